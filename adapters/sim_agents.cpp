#include "adapters/sim_agents.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <memory>

#include "actors/messages.hpp"
#include "actors/type_ids.hpp"
#include "events/strings.hpp"

namespace tmo::adapters {

const std::vector<std::string>& sim_command_corpus() {
  static const std::vector<std::string> corpus = {
      "Bash: npm test",
      "Bash: npm install --save-dev eslint",
      "Bash: git push origin HEAD",
      "Bash: git rebase -i main",
      "Bash: rm -rf node_modules dist",
      "Bash: docker compose up -d db",
      "Bash: pytest -x tests/",
      "Bash: pip install -r requirements.txt",
      "Bash: cargo build --release",
      "Bash: make -j4 check",
      "Bash: psql -h localhost -c 'select count(*) from orders'",
      "Bash: curl -s http://localhost:8080/health",
      "Bash: kubectl apply -f deploy/staging.yaml",
      "Bash: terraform plan -out plan.tfplan",
      "Bash: chmod +x scripts/release.sh",
      "Edit: src/server/routes.ts",
      "Edit: migrations/0042_add_index.sql",
      "Write: docs/runbook.md",
      "Edit: .github/workflows/ci.yml",
      "Bash: sed -i 's/v1/v2/' config/app.yaml",
  };
  return corpus;
}

namespace {

using namespace std::chrono;

using strings::fnv1a;

const std::vector<std::string>& blockers() {
  static const std::vector<std::string> b = {
      "no credentials for the staging database",
      "the CI runner is out of disk",
      "waiting for the API schema from the backend team",
      "a flaky integration test in checkout",
      "the migration conflicts with main",
  };
  return b;
}

struct sim_agent {
  std::string name;  // alpha/dev-1
  std::string team;
  bool pm = false;
  std::mt19937_64 rng;
  std::deque<std::pair<std::string, std::string>> inbox;  // id, text
  bool working = false;
  uint64_t gen = 0;
  std::string task;  // what the current spell is about
  std::string command;
  bool will_block = false;
  int64_t rest_ms = 0;
  std::string blocked;
  int finished = 0;
  // A PM's open tasks: which engineers are still at them.
  std::map<std::string, std::set<std::string>> open;
  std::set<std::string> engineers;  // seen so far (by their briefings)
};

struct model_state {
  sim_options opts;
  sim_fleet::observe_fn observe;
  sim_fleet::send_fn send;
  std::map<std::string, sim_agent> agents;
  static inline const char* name = "sim_model";
};

using model_ptr = caf::stateful_actor<model_state>*;

int64_t pick_ms(sim_agent& a, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(a.rng);
}

bool roll(sim_agent& a, double p) {
  return std::uniform_real_distribution<double>(0, 1)(a.rng) < p;
}

template <class T>
const T& pick(sim_agent& a, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(a.rng)];
}

sim_agent& agent_of(model_ptr self, const std::string& name) {
  auto it = self->state.agents.find(name);
  if (it != self->state.agents.end()) return it->second;
  sim_agent a;
  a.name = name;
  a.team = name.substr(0, name.find('/'));
  a.pm = name.size() > 3 && name.ends_with("/pm");
  a.rng.seed(self->state.opts.seed ^ fnv1a(name));
  auto& out = self->state.agents[name] = std::move(a);
  if (!out.pm) agent_of(self, out.team + "/pm").engineers.insert(name);
  return out;
}

void after(model_ptr self, sim_agent& a, int64_t ms, int phase) {
  auto scaled = static_cast<int64_t>(static_cast<double>(ms) *
                                     self->state.opts.time_scale);
  self->delayed_send(self, milliseconds(std::max<int64_t>(scaled, 1)),
                     actors::sim_step_atom_v, a.name, a.gen, phase);
}

std::string pm_of(const sim_agent& a) { return a.team + "/pm"; }

void next(model_ptr self, sim_agent& a);

// Work on something: busy, maybe an approval on the way, then a STATUS.
void work(model_ptr self, sim_agent& a, std::string what) {
  auto& o = self->state.opts;
  a.working = true;
  a.task = std::move(what);
  ++a.gen;
  int64_t total = pick_ms(a, 2000, 6000);
  a.will_block = roll(a, o.block_rate);
  self->state.observe(a.name, agent_state::busy, a.task);
  if (roll(a, o.approval_rate)) {
    a.command = pick(a, sim_command_corpus());
    int64_t first = total / 3;
    a.rest_ms = total - first;
    after(self, a, first, 1);
  } else {
    a.command.clear();
    after(self, a, total, 3);
  }
}

void report(model_ptr self, sim_agent& a) {
  std::string text = "STATUS " + a.name + "\n";
  text += "Completed: " + (a.finished > 0 ? a.task : std::string("-")) + "\n";
  text += "Current: " + (a.working ? a.task : std::string("waiting for work")) +
          "\n";
  text += "Blocked: " + (a.blocked.empty() ? std::string("none") : a.blocked) +
          "\n";
  text += "ETA: " + std::string(a.blocked.empty() ? "today" : "unknown");
  self->state.send(a.name, a.pm ? "orchestrator" : pm_of(a), text);
}

void finish(model_ptr self, sim_agent& a) {
  if (a.will_block) {
    a.blocked = pick(a, blockers());
  } else {
    a.blocked.clear();
    ++a.finished;
  }
  a.working = false;
  report(self, a);
  self->state.observe(a.name, agent_state::idle, "");
  next(self, a);
}

void engineer_takes(model_ptr self, sim_agent& a, const std::string& id,
                    const std::string& text) {
  auto parsed = actors::parse_template(text);
  if (text.starts_with("You are ")) {
    self->state.send(a.name, pm_of(a), "ACK " + id);
    self->state.observe(a.name, agent_state::idle, "");
    return next(self, a);
  }
  if (text.starts_with("CHECK-IN ")) {
    report(self, a);
    return next(self, a);
  }
  if (parsed.kind == "task") {
    self->state.send(a.name, pm_of(a), "ACK " + parsed.field("task_id"));
    return work(self, a, parsed.field("task_id") + " " + parsed.field("title"));
  }
  if (text.starts_with("Re: ") && !a.blocked.empty()) {
    a.blocked.clear();
    return work(self, a, "resume " + a.task);
  }
  work(self, a, actors::topic_of(text));
}

void pm_takes(model_ptr self, sim_agent& a, const std::string& id,
              const std::string& text) {
  auto parsed = actors::parse_template(text);
  if (parsed.kind == "task") {
    self->state.send(a.name, "orchestrator", "ACK " + id);
    auto parent = parsed.field("task_id");
    int k = 0;
    for (auto& e : a.engineers) {
      auto sub = parent + "." + std::to_string(++k);
      self->state.send(
          a.name, e,
          "TASK " + sub + ": " + parsed.field("title") + " (part " +
              std::to_string(k) + ")\nAssigned to: " + e +
              "\nObjective: " + parsed.field("objective") +
              "\nSuccess Criteria: tests pass\nPriority: " +
              (parsed.field("priority").empty() ? std::string("MEDIUM")
                                                : parsed.field("priority")));
      a.open[parent].insert(e);
    }
  } else if (parsed.kind == "status") {
    auto who = parsed.field("agent");
    auto b = parsed.field("blocked");
    if (!b.empty() && b != "none") {
      self->state.send(a.name, who,
                       "Re: " + b +
                           "\nTry the staging setup in docs/runbook.md; tell "
                           "me if it still fails.");
    } else {
      for (auto it = a.open.begin(); it != a.open.end();) {
        it->second.erase(who);
        if (!it->second.empty()) {
          ++it;
          continue;
        }
        a.task = it->first;
        ++a.finished;
        self->state.send(a.name, "orchestrator",
                         "STATUS " + a.name + "\nCompleted: " + it->first +
                             "\nCurrent: review and merge\nBlocked: none\n"
                             "ETA: today");
        it = a.open.erase(it);
      }
    }
  } else if (text.starts_with("ESCALATION ")) {
    auto who = text.substr(11, text.find(' ', 11) - 11);
    if (who != a.name && agent_of(self, who).team == a.team)
      self->state.send(a.name, who,
                       "Re: your escalation\nI see it and I am on it; "
                       "carry on with what you can.");
  } else if (text.starts_with("CHECK-IN ")) {
    report(self, a);
  }
  self->state.observe(a.name, agent_state::idle, "");
  next(self, a);
}

void next(model_ptr self, sim_agent& a) {
  if (a.working || a.inbox.empty()) return;
  auto [id, text] = a.inbox.front();
  a.inbox.pop_front();
  if (a.pm)
    pm_takes(self, a, id, text);
  else
    engineer_takes(self, a, id, text);
}

caf::behavior model(model_ptr self, sim_options opts,
                    sim_fleet::observe_fn observe, sim_fleet::send_fn send) {
  self->state.opts = opts;
  self->state.observe = std::move(observe);
  self->state.send = std::move(send);
  return {
      [=](actors::sim_msg_atom, const std::string& agent, const std::string& id,
          const std::string& text) {
        auto& a = agent_of(self, agent);
        a.inbox.emplace_back(id, text);
        next(self, a);
      },
      [=](actors::sim_step_atom, const std::string& agent, uint64_t gen,
          int phase) {
        auto& a = agent_of(self, agent);
        if (gen != a.gen || !a.working) return;
        if (phase == 1) {  // the approval dialog comes up
          self->state.observe(a.name, agent_state::waiting_approval, a.command);
          after(self, a, pick_ms(a, 1000, 3000), 2);
        } else if (phase == 2) {  // a person answered it
          self->state.observe(a.name, agent_state::busy, a.task);
          after(self, a, a.rest_ms, 3);
        } else {
          finish(self, a);
        }
      },
  };
}

}  // namespace

sim_fleet::sim_fleet(caf::actor_system& sys, sim_options opts,
                     observe_fn observe, send_fn send)
    : rng_(opts.seed), fail_rate_(opts.fail_rate) {
  model_ = sys.spawn(model, opts, std::move(observe), std::move(send));
}

sim_fleet::~sim_fleet() { stop(); }

void sim_fleet::stop() {
  if (model_) caf::anon_send_exit(model_, caf::exit_reason::user_shutdown);
}

void sim_fleet::deliver(const std::string& agent, const std::string& message_id,
                        const std::string& text, done_fn done) {
  {
    // The text goes in once; a retry only presses Enter again.
    std::lock_guard lock(mu_);
    typed_.insert(message_id);
    if (submitted_.count(message_id) != 0) return done(true, "");
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < fail_rate_)
      return done(false, "Enter was not taken (simulated)");
    submitted_.insert(message_id);
  }
  caf::anon_send(model_, actors::sim_msg_atom_v, agent, message_id, text);
  done(true, "");
}

}  // namespace tmo::adapters
