// The approvals book and the approvals actor: requests decided by rules,
// waiting for people, rules learned from an "always", revoked at once,
// presets, reminders, answers on screens, and the projection rebuilt from
// zero to the same book.
#include <gtest/gtest.h>

#include "actor_fixture.hpp"
#include "actors/approval_book.hpp"
#include "actors/approvals.hpp"
#include "actors/team.hpp"

namespace tmo::test {
namespace {

namespace ap = actors::approvals;
using actors::recent_hook_ns;
using events::text;

std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

const std::string project = "/srv/shop";
const std::string home = "/home/user";

// Presses whatever it is asked to, or fails as told.
class scripted_answers final : public actors::answer_port {
 public:
  void answer(
      const std::string& agent, const std::string& word,
      const std::string& tool, const std::string& what,
      std::function<void(result<std::vector<std::string>>)> done) override {
    asked.push_back(agent + " " + word + " " + tool + ": " + what);
    if (!fail.empty()) return done(status::io_error(fail));
    done(std::vector<std::string>{word == "yes" ? "1" : "Escape"});
  }
  std::vector<std::string> asked;
  std::string fail;
};

void append(memory_log& log, std::vector<events::draft> drafts) {
  std::vector<events::sealed> sealed;
  for (auto& d : drafts) sealed.push_back(std::move(*d.seal()));
  log.append(std::move(sealed), {}, [](result<store::append_result> r) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
  });
}

// agent.spawned of shop/dev-1 in /srv/shop.
void spawn_agent(memory_log& log, const std::string& name = "dev-1") {
  events::draft d(actors::agent_stream("shop", name), "orchestrator",
                  1'000'000'000);
  auto e = d.payload().initAgentSpawned();
  e.setName(text(name));
  e.setTeam(text("shop"));
  e.setRole(text("developer"));
  e.setProfile(text("claude"));
  e.setProjectDir(text(project));
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  append(log, std::move(v));
}

ap::incoming hook_request(const std::string& command,
                          const std::string& agent = "shop/dev-1") {
  ap::incoming in;
  in.agent = agent;
  in.tool = "Bash";
  in.command = command;
  in.source = "hook";
  return in;
}

// Every event of the log, folded into a fresh book.
ap::book fold_all(const memory_log& log) {
  ap::book b;
  for (size_t i = 0; i < log.values.size(); ++i) {
    auto ev = events::event::decode(i + 1, log.values[i]);
    ap::fold(b, ev->reader());
  }
  return b;
}

// The stored form of every key: two books are the same when these are.
std::map<std::string, std::string> stored(const ap::book& b) {
  std::map<std::string, std::string> out;
  for (auto& k : ap::keys_of(b)) out[k] = ap::encode(b, k).value_or("-");
  return out;
}

class ApprovalsActor : public actor_test {
 protected:
  ApprovalsActor() { spawn_agent(log_); }

  actors::approvals_actor start() {
    actors::approvals_config cfg;
    cfg.home = home;
    return spawn(actors::approvals_service, &log_, &clock_, &answers_, cfg);
  }

  actors::approval_reply ask_approval(actors::approvals_actor a,
                                      const ap::incoming& in) {
    auto r = ask<actors::approval_reply>(a, actors::approval_ask_atom_v, in);
    EXPECT_TRUE(r.has_value());
    return r.value_or(actors::approval_reply{});
  }

  actors::approval_reply decide(actors::approvals_actor a,
                                const ap::person_decision& d) {
    auto r = ask<actors::approval_reply>(a, actors::approval_decide_atom_v, d);
    EXPECT_TRUE(r.has_value());
    return r.value_or(actors::approval_reply{});
  }

  std::vector<std::string> kinds() { return log_.kinds(); }

  memory_log log_;
  fixed_clock clock_;
  scripted_answers answers_;
};

TEST_F(ApprovalsActor, AlwaysLearnsARuleThatAllowsTheNextSiblingOnly) {
  auto a = start();
  auto first = ask_approval(a, hook_request("npm run build"));
  ASSERT_TRUE(first.status.is_ok()) << first.status.message();
  EXPECT_EQ(first.decision, "ask");
  EXPECT_EQ(first.id, "a-1");

  ap::person_decision d;
  d.id = "a-1";
  d.always = true;
  d.as = "ana";
  auto approved = decide(a, d);
  ASSERT_TRUE(approved.status.is_ok()) << approved.status.message();
  ASSERT_EQ(approved.rule_ids.size(), 1u) << approved.note;
  EXPECT_EQ(approved.rule_ids[0], "r-1");
  // The dialog is answered yes-once: tmo keeps the rule.
  ASSERT_EQ(answers_.asked.size(), 1u);
  EXPECT_EQ(answers_.asked[0], "shop/dev-1 yes Bash: npm run build");

  auto lint = ask_approval(a, hook_request("npm run lint"));
  EXPECT_EQ(lint.decision, "allow");
  EXPECT_EQ(lint.by, "rule:r-1");
  auto chained = ask_approval(a, hook_request("npm run lint && rm -rf ~"));
  EXPECT_EQ(chained.decision, "ask") << chained.reason;
  auto install = ask_approval(a, hook_request("npm install left-pad"));
  EXPECT_EQ(install.decision, "ask");
  // The rule is the project's: another project's agent is not covered.
  auto other = ask_approval(a, hook_request("npm run lint", "web/dev-1"));
  EXPECT_EQ(other.decision, "ask");

  auto view = ask<actors::approvals_view>(a, actors::get_atom_v);
  ASSERT_TRUE(view);
  bool found = false;
  for (auto& r : view->rules)
    if (r.r.id == "r-1") {
      found = true;
      EXPECT_EQ(r.r.pattern, "npm run *");
      EXPECT_EQ(r.r.scope, "project:" + project);
      EXPECT_EQ(r.from_approval, "a-1");
      EXPECT_EQ(r.by, "person:ana");
    }
  EXPECT_TRUE(found);
}

TEST_F(ApprovalsActor, ADenyListedPartWaitsFlaggedAndLearnsNothing) {
  auto a = start();
  auto r = ask_approval(a, hook_request("npm run build; sudo rm -rf /"));
  EXPECT_EQ(r.decision, "ask");
  auto view = ask<actors::approvals_view>(a, actors::get_atom_v);
  ASSERT_EQ(view->pending.size(), 1u);
  EXPECT_NE(view->pending[0].flagged.find("deny-list:"), std::string::npos)
      << view->pending[0].flagged;
  ap::person_decision d;
  d.id = r.id;
  d.always = true;
  d.as = "ana";
  auto approved = decide(a, d);
  ASSERT_TRUE(approved.status.is_ok());
  for (auto& id : approved.rule_ids) {
    auto again = ask_approval(a, hook_request("sudo rm -rf /"));
    EXPECT_NE(again.decision, "allow") << "rule " << id;
  }
}

TEST_F(ApprovalsActor, ARevokedRuleDecidesNothingFromTheNextRequestOn) {
  auto a = start();
  ap::rule_request rr;
  rr.pattern = "make test *";
  rr.examples = {"make test unit"};
  rr.not_examples = {"make install"};
  rr.by = "person:ana";
  auto added = ask<actors::approval_reply>(a, actors::rule_add_atom_v, rr);
  ASSERT_TRUE(added && added->status.is_ok()) << added->status.message();
  EXPECT_EQ(ask_approval(a, hook_request("make test unit")).decision, "allow");
  auto revoked =
      ask<actors::approval_reply>(a, actors::rule_revoke_atom_v, added->id,
                                  std::string("person:ana"), std::string("x"));
  ASSERT_TRUE(revoked && revoked->status.is_ok());
  EXPECT_EQ(ask_approval(a, hook_request("make test unit")).decision, "ask");
}

TEST_F(ApprovalsActor, ARuleWhoseExamplesFailIsRefused) {
  auto a = start();
  ap::rule_request rr;
  rr.pattern = "npm run build";
  rr.examples = {"npm run lint"};
  rr.by = "person:ana";
  auto r = ask<actors::approval_reply>(a, actors::rule_add_atom_v, rr);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->status.is_ok());
  EXPECT_NE(r->status.message().find("npm run lint"), std::string::npos)
      << r->status.message();
  rr.pattern = "rm -rf *";
  rr.examples = {"rm -rf ~"};
  r = ask<actors::approval_reply>(a, actors::rule_add_atom_v, rr);
  EXPECT_FALSE(r->status.is_ok());
  for (auto& k : kinds()) EXPECT_NE(k, "rule.learned");
}

TEST_F(ApprovalsActor, AHookAndAScreenTellingOfOneDialogAreOneRequest) {
  auto a = start();
  auto hooked = ask_approval(a, hook_request("npm run build"));
  auto screen = hook_request("npm run  build");
  screen.source = "screen";
  auto seen = ask_approval(a, screen);
  EXPECT_TRUE(seen.existing);
  EXPECT_EQ(seen.id, hooked.id);
  int requested = 0;
  for (auto& k : kinds()) requested += k == "approval.requested";
  EXPECT_EQ(requested, 1);
}

// Claude Code draws its dialog while its hook runs: once the hook had it
// allowed, that dialog is the same request and gets no keys.
TEST_F(ApprovalsActor, TheDialogOfARequestTheHookDecidedGetsNoKeys) {
  auto a = start();
  auto hooked = ask_approval(a, hook_request("tmo status"));
  ASSERT_EQ(hooked.decision, "allow");
  auto screen = hook_request("tmo  status");
  screen.source = "screen";
  auto seen = ask_approval(a, screen);
  EXPECT_TRUE(seen.existing);
  EXPECT_EQ(seen.id, hooked.id);
  EXPECT_TRUE(answers_.asked.empty());
  // Long after, the same command on screen is a new request.
  clock_.now += recent_hook_ns + 1;
  auto later = ask_approval(a, screen);
  EXPECT_FALSE(later.existing);
  EXPECT_EQ(answers_.asked.size(), 1u);
}

TEST_F(ApprovalsActor, AScreenRequestARuleAllowsIsAnsweredAndRecorded) {
  auto a = start();
  auto in = hook_request("tmo send shop/pm \"STATUS dev-1\"");
  in.source = "screen";
  auto r = ask_approval(a, in);
  EXPECT_EQ(r.decision, "allow") << r.reason;
  EXPECT_EQ(r.by, "rule:builtin:tmo-send");
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_EQ(r.keys[0], "1");
  auto k = kinds();
  ASSERT_GE(k.size(), 3u);
  EXPECT_EQ(k[k.size() - 3], "approval.requested");
  EXPECT_EQ(k[k.size() - 2], "approval.decided");
  EXPECT_EQ(k.back(), "approval.answered");
}

TEST_F(ApprovalsActor, AnAnswerThatFailsIsRecordedWithWhy) {
  answers_.fail = "the dialog shows another command";
  auto a = start();
  auto first = ask_approval(a, hook_request("npm run build"));
  ap::person_decision d;
  d.id = first.id;
  d.as = "ana";
  auto r = decide(a, d);
  EXPECT_EQ(r.answer_error, "the dialog shows another command");
  auto ev = events::event::decode(log_.values.size(), log_.values.back());
  auto e = ev->reader().getPayload().getApprovalAnswered();
  EXPECT_EQ(str(e.getError()), "the dialog shows another command");
  EXPECT_EQ(str(e.getAnswer()), "yes");
}

TEST_F(ApprovalsActor, ADialogAnsweredInThePaneIsDecidedByThePerson) {
  auto a = start();
  auto in = hook_request("npm run build");
  in.source = "screen";
  auto r = ask_approval(a, in);
  ASSERT_EQ(r.decision, "ask");
  // Still on screen: nothing happens; then the agent goes on working.
  caf::anon_send(a, actors::observe_atom_v,
                 actors::observation{"shop/dev-1", agent_state::busy, ""});
  run();
  auto ev = events::event::decode(log_.values.size(), log_.values.back());
  ASSERT_EQ(ev->kind(), "approval.decided");
  auto e = ev->reader().getPayload().getApprovalDecided();
  EXPECT_EQ(str(e.getDecision()), "allow");
  EXPECT_EQ(str(e.getBy()), "person:pane");
  // A second dialog, declined in the pane: the agent is back at its prompt.
  in.command = "rm -rf build";
  r = ask_approval(a, in);
  caf::anon_send(a, actors::observe_atom_v,
                 actors::observation{"shop/dev-1", agent_state::idle, ""});
  run();
  ev = events::event::decode(log_.values.size(), log_.values.back());
  e = ev->reader().getPayload().getApprovalDecided();
  EXPECT_EQ(str(e.getDecision()), "deny");
  auto view = ask<actors::approvals_view>(a, actors::get_atom_v);
  EXPECT_TRUE(view->pending.empty());
}

TEST_F(ApprovalsActor, ARequestNobodyAnswersRaisesOneEscalation) {
  auto a = start();
  auto r = ask_approval(a, hook_request("npm run build"));
  ASSERT_EQ(r.decision, "ask");
  for (int i = 0; i < 3; ++i) {
    clock_.now += 5LL * 60 * 1'000'000'000;  // 5, 10, 15 minutes
    sched_->advance_time(std::chrono::seconds(15));
    run();
  }
  int escalations = 0;
  for (size_t i = 0; i < log_.values.size(); ++i) {
    auto ev = events::event::decode(i + 1, log_.values[i]);
    if (ev->kind() != "escalation.raised") continue;
    ++escalations;
    auto e = ev->reader().getPayload().getEscalationRaised();
    EXPECT_EQ(str(e.getCause()), "approval");
    EXPECT_EQ(str(e.getDetail()).substr(0, 4), "a-1 ");
  }
  EXPECT_EQ(escalations, 1);
}

TEST_F(ApprovalsActor, TmoVerbsAreAllowedUntilThePresetIsDisabled) {
  auto a = start();
  EXPECT_EQ(ask_approval(a, hook_request("tmo status")).decision, "allow");
  auto off = ask<actors::approval_reply>(a, actors::preset_atom_v,
                                         std::string("tmo-verbs"), false,
                                         std::string("person:ana"));
  ASSERT_TRUE(off && off->status.is_ok());
  EXPECT_EQ(ask_approval(a, hook_request("tmo status")).decision, "ask");
  auto on = ask<actors::approval_reply>(a, actors::preset_atom_v,
                                        std::string("dev-basics"), true,
                                        std::string("person:ana"));
  ASSERT_TRUE(on && on->status.is_ok());
  EXPECT_EQ(ask_approval(a, hook_request("git status")).decision, "allow");
  auto unknown =
      ask<actors::approval_reply>(a, actors::preset_atom_v, std::string("yolo"),
                                  true, std::string("person:ana"));
  EXPECT_FALSE(unknown->status.is_ok());
}

TEST_F(ApprovalsActor, ARestartedActorAndTheProjectionHoldTheSameBook) {
  {
    auto a = start();
    ask_approval(a, hook_request("npm run build"));
    ap::person_decision d;
    d.id = "a-1";
    d.always = true;
    d.as = "ana";
    decide(a, d);
    ask_approval(a, hook_request("cargo build --release"));
    (void)ask<actors::approval_reply>(a, actors::preset_atom_v,
                                      std::string("tmo-verbs"), false,
                                      std::string("person:ana"));
  }
  auto again = start();
  auto view = ask<actors::approvals_view>(again, actors::get_atom_v);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->pending.size(), 1u);
  EXPECT_EQ(view->pending[0].id, "a-2");
  EXPECT_EQ(ask_approval(again, hook_request("npm run lint")).decision,
            "allow");

  // From zero, and resumed halfway from the stored form: identical.
  auto whole = fold_all(log_);
  ap::book half;
  size_t mid = log_.values.size() / 2;
  for (size_t i = 0; i < mid; ++i)
    ap::fold(half, events::event::decode(i + 1, log_.values[i])->reader());
  std::vector<std::pair<std::string, std::string>> kv;
  for (auto& [k, v] : stored(half))
    if (v != "-") kv.emplace_back(k, v);
  auto resumed = ap::decode(kv);
  ASSERT_TRUE(resumed.has_value()) << resumed.error().message();
  for (size_t i = mid; i < log_.values.size(); ++i)
    ap::fold(*resumed, events::event::decode(i + 1, log_.values[i])->reader());
  EXPECT_EQ(stored(*resumed), stored(whole));
  EXPECT_EQ(stored(whole).at("rule/builtin:tmo-send"), "revoked");
}

TEST(ApprovalBook, AStoredBookThatCannotBeReadIsCorruption) {
  auto b = ap::decode({{"rule/r-1", "{not json"}});
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message().find("rule/r-1"), std::string::npos);
  EXPECT_FALSE(ap::decode({{"nonsense", "{}"}}).has_value());
}

TEST(ApprovalBook, CliToolNamesAreCanonical) {
  EXPECT_EQ(ap::canonical_tool("exec_command"), "Bash");
  EXPECT_EQ(ap::canonical_tool("run_shell_command"), "Bash");
  EXPECT_EQ(ap::canonical_tool("Shell"), "Bash");
  EXPECT_EQ(ap::canonical_tool("create_file"), "Write");
  EXPECT_EQ(ap::canonical_tool("replace"), "Edit");
  EXPECT_EQ(ap::canonical_tool("WebFetch"), "WebFetch");
}

}  // namespace
}  // namespace tmo::test
