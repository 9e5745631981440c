# The tmo event: one envelope, one typed payload per kind.
#
# The grammar of keys and values, the hash chain and the rules for evolving
# this schema are in docs/event_format.md. In short: ordinals are never
# renumbered or reused; a new kind is a new union member with the next free
# ordinal; a retired kind keeps its member (Cap'n Proto allows no gaps) with
# a "RETIRED" comment, and nothing writes it again. The kind name is derived
# from the union member name (`agentStateChanged` is `agent.state_changed`),
# so a member is never renamed.

@0xfcf562aa19dd6c5a;

$import "/capnp/c++.capnp".namespace("tmo::schema");

struct Event {
  # --- envelope -------------------------------------------------------------
  seq @0 :UInt64;            # global, gapless, starts at 1
  stream @1 :Text;           # e.g. "agent/alpha/dev-1"
  streamVersion @2 :UInt64;  # 1 for the first event of a stream
  timeNs @3 :Int64;          # nanoseconds since the Unix epoch (UTC)
  kind @4 :Text;             # "message.sent"; always matches the payload
  actor @5 :Text;            # who caused it: "cli", "orchestrator", an agent
  causationSeq @6 :UInt64;   # seq of the event that caused this one, or 0
  correlationId @7 :Text;    # ties one command to all it led to, or ""
  hash @8 :Data;             # SHA-256(previous hash || this value with hash
                             # zeroed); 32 bytes

  # --- payload --------------------------------------------------------------
  payload :union {
    orchestratorStarted @9 :OrchestratorStarted;
    orchestratorStopped @10 :OrchestratorStopped;
    teamCreated @11 :TeamCreated;
    teamRemoved @12 :TeamRemoved;
    agentSpawned @13 :AgentSpawned;
    agentBriefed @14 :AgentBriefed;
    agentStateChanged @15 :AgentStateChanged;
    agentExited @16 :AgentExited;
    agentKilled @17 :AgentKilled;
    paneSnapshot @18 :PaneSnapshot;
    messageSent @19 :MessageSent;
    messageDelivered @20 :MessageDelivered;
    messageAcked @21 :MessageAcked;
    messageFailed @22 :MessageFailed;
    messageRefused @23 :MessageRefused;
    checkinScheduled @24 :CheckinScheduled;
    checkinFired @25 :CheckinFired;
    checkinCancelled @26 :CheckinCancelled;
    statusReported @27 :StatusReported;
    taskAssigned @28 :TaskAssigned;
    escalationRaised @29 :EscalationRaised;
    gitReminded @30 :GitReminded;
    gitCommitted @31 :GitCommitted;
    noteAdded @32 :Note;        # note.added: free text, for people and tests
    paneOpened @33 :PaneOpened;
    hookReceived @34 :HookReceived;
    agentAnswered @35 :AgentAnswered;
    approvalRequested @36 :ApprovalRequested;
    approvalDecided @37 :ApprovalDecided;
    approvalAnswered @38 :ApprovalAnswered;
    ruleLearned @39 :RuleLearned;
    ruleRevoked @40 :RuleRevoked;
  }
}

# --- orchestrator ------------------------------------------------------------
struct OrchestratorStarted {
  version @0 :Text;
  dataDir @1 :Text;
  pid @2 :UInt32;
}
struct OrchestratorStopped {
  reason @0 :Text;
  pid @1 :UInt32;
}

# --- team/<team> -------------------------------------------------------------
struct TeamCreated {
  name @0 :Text;
  projectDir @1 :Text;
  size @2 :Text;             # small | medium | large | "" when roles given
  roles @3 :List(Text);
  profile @4 :Text;
}
struct TeamRemoved {
  name @0 :Text;
  reason @1 :Text;
}

# --- agent/<team>/<name> -----------------------------------------------------
struct AgentSpawned {
  name @0 :Text;
  team @1 :Text;
  role @2 :Text;
  profile @3 :Text;
  projectDir @4 :Text;
  paneId @5 :Text;           # "%12" for tmux, "" for simulated agents
  command @6 :Text;          # the launch command, for the record
}
struct AgentBriefed {
  messageId @0 :Text;
  briefing @1 :Text;
}
struct AgentStateChanged {
  from @0 :Text;             # busy | idle | waiting_approval | waiting_input |
  to @1 :Text;               # rate_limited | exited | unknown
  reason @2 :Text;
}
struct AgentExited {
  exitStatus @0 :Int32;
  reason @1 :Text;
}
struct AgentKilled {
  by @0 :Text;
  reason @1 :Text;
}
struct PaneOpened {          # the agent's tmux pane, opened or found again
  paneId @0 :Text;           # "%12"
  target @1 :Text;           # "team:dev-1"
  socket @2 :Text;           # the tmux server's -L name
  command @3 :Text;          # the launch command, words joined by spaces
  reattached @4 :Bool;       # the pane was already running (tmo restarted)
}
struct HookReceived {        # a hook call from the agent's CLI
  source @0 :Text;           # "claude"
  event @1 :Text;            # "PermissionRequest" | "Stop" | ...
  tool @2 :Text;             # PermissionRequest: "Bash", ...
  command @3 :Text;          # PermissionRequest: the exact command
  sessionId @4 :Text;
  decision @5 :Text;         # what the hook printed: "" (ask the person),
                             # "allow" or "deny"
}
struct AgentAnswered {       # keys typed into a dialog on a person's word
  answer @0 :Text;           # yes | always | no
  keys @1 :List(Text);       # tmux key names sent
  tool @2 :Text;             # the approval answered, as the screen showed it
  command @3 :Text;
  by @4 :Text;
}
struct PaneSnapshot {
  screenHash @0 :Text;
  text @1 :Text;             # bounded by the adapter
  cols @2 :UInt16;
  rows @3 :UInt16;
}

# --- messages ----------------------------------------------------------------
struct MessageSent {
  messageId @0 :Text;
  from @1 :Text;
  to @2 :Text;
  text @3 :Text;
  template @4 :Text;         # "" | status | task | ack | briefing | checkin
  fields @5 :List(Field);    # the parsed template fields
}
struct Field {
  name @0 :Text;
  value @1 :Text;
}
struct MessageDelivered {
  messageId @0 :Text;
  attempts @1 :UInt32;
  latencyNs @2 :Int64;
}
struct MessageAcked {
  messageId @0 :Text;
  by @1 :Text;
}
struct MessageFailed {
  messageId @0 :Text;
  attempts @1 :UInt32;
  reason @2 :Text;
}
struct MessageRefused {
  messageId @0 :Text;
  from @1 :Text;
  to @2 :Text;
  reason @3 :Text;
}

# --- schedule/<id> -----------------------------------------------------------
struct CheckinScheduled {
  checkinId @0 :Text;
  target @1 :Text;
  dueNs @2 :Int64;
  everyNs @3 :Int64;         # 0 for a one-off check-in
  note @4 :Text;
}
struct CheckinFired {
  checkinId @0 :Text;
  lateByNs @1 :Int64;
}
struct CheckinCancelled {
  checkinId @0 :Text;
  by @1 :Text;
}

# --- agent's stream ----------------------------------------------------------
struct StatusReported {
  agent @0 :Text;
  completed @1 :Text;
  current @2 :Text;
  blocked @3 :Text;
  eta @4 :Text;
}
struct TaskAssigned {
  taskId @0 :Text;
  title @1 :Text;
  assignedTo @2 :Text;
  objective @3 :Text;
  successCriteria @4 :Text;
  priority @5 :Text;
}
struct EscalationRaised {
  level @0 :Text;            # pm | orchestrator
  cause @1 :Text;
  detail @2 :Text;
}
struct GitReminded {
  projectDir @0 :Text;
  busyForNs @1 :Int64;
}
struct GitCommitted {
  projectDir @0 :Text;
  commitHash @1 :Text;
  filesChanged @2 :UInt32;
}

# --- approval/<id> ------------------------------------------------------------
struct ApprovalRequested {   # an agent's CLI asks before it runs something
  approvalId @0 :Text;       # "a-12"
  agent @1 :Text;            # "TEAM/NAME"
  tool @2 :Text;             # "Bash", "Write", "Edit", "shell", ...
  command @3 :Text;          # Bash: the exact command
  target @4 :Text;           # Write/Edit: the file
  cwd @5 :Text;              # where it runs ("" = the project)
  projectDir @6 :Text;       # the agent's project
  source @7 :Text;           # hook | screen: what told tmo first
  description @8 :Text;      # the agent's reason, when given
  suggestions @9 :List(Text);  # the CLI's own rule suggestions (Claude's
                             # permission_suggestions' ruleContent)
  flagged @10 :Text;         # "deny-list:ENTRY: why" when the deny list
                             # holds it for a person; "" otherwise
}
struct ApprovalDecided {
  approvalId @0 :Text;
  agent @1 :Text;
  decision @2 :Text;         # allow | deny
  scope @3 :Text;            # once | always
  by @4 :Text;               # person:NAME | rule:ID | deny-list:ENTRY
  waitedNs @5 :Int64;        # from approval.requested to this decision
  tool @6 :Text;             # what was decided, so the event reads alone
  command @7 :Text;
  target @8 :Text;
  reason @9 :Text;           # one line for a person
}
struct ApprovalAnswered {    # the decision reached the agent's CLI
  approvalId @0 :Text;
  agent @1 :Text;
  channel @2 :Text;          # hook | screen
  answer @3 :Text;           # yes | no (an "always" is answered yes-once:
                             # tmo keeps the rule itself)
  keys @4 :List(Text);       # screen: the tmux keys pressed
  error @5 :Text;            # "" when the dialog went away; else why not
}

# --- rules ---------------------------------------------------------------------
struct RuleLearned {
  ruleId @0 :Text;           # "r-3", "preset:dev-basics/git-status"
  tool @1 :Text;             # Bash | Write | Edit
  pattern @2 :Text;          # docs/approvals.md has the grammar
  scope @3 :Text;            # "" (global) | project:DIR | team:T | agent:T/N
  origin @4 :Text;           # learned | added | preset:NAME
  fromApproval @5 :Text;     # learned: the request a person answered
  fromSeq @6 :UInt64;        # learned: that request's approval.requested
  by @7 :Text;               # person:NAME
  examples @8 :List(Text);   # must be allowed by it
  notExamples @9 :List(Text);  # must not be
}
struct RuleRevoked {
  ruleId @0 :Text;
  by @1 :Text;
  reason @2 :Text;
}

# --- anything else -----------------------------------------------------------
struct Note {
  text @0 :Text;
}
