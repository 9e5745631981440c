// tmo completion bash|zsh: a completion script generated from the command
// tree itself, so it can't fall behind the verbs and flags.
#include <map>

#include "cli/cli.hpp"

namespace tmo::cli {

namespace {

// "events cat" -> "--from --since ... -o"; "" -> "events demo completion".
void collect(const CLI::App* app, const std::string& path,
             std::map<std::string, std::string>& words) {
  std::string w;
  for (const auto* sub : app->get_subcommands({})) {
    w += sub->get_name() + " ";
    collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(),
            words);
  }
  for (const auto* opt : app->get_options()) {
    for (auto& l : opt->get_lnames()) w += "--" + l + " ";
    for (auto& s : opt->get_snames()) w += "-" + s + " ";
  }
  if (!w.empty()) w.pop_back();
  words[path] = w;
}

std::string bash_script(const CLI::App& app) {
  std::map<std::string, std::string> words;
  collect(&app, "", words);
  std::string s =
      "# tmo bash completion: eval \"$(tmo completion bash)\"\n"
      "_tmo() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w i\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    w=${COMP_WORDS[i]}\n"
      "    [[ $w == -* ]] && continue\n"
      "    case \"${path:+$path }$w\" in\n";
  for (auto& [path, _] : words)
    if (!path.empty())
      s += "      \"" + path + "\") path=\"" + path + "\" ;;\n";
  s += "    esac\n"
       "  done\n"
       "  local prev=${COMP_WORDS[COMP_CWORD-1]}\n"
       "  case $prev in\n"
       "    --data-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
       "    -o|--output) COMPREPLY=($(compgen -W \"table json jsonl csv\" -- "
       "\"$cur\")); "
       "return ;;\n"
       "    --kind) COMPREPLY=($(compgen -W \"$(tmo events kinds "
       "2>/dev/null)\" -- \"$cur\")); "
       "return ;;\n"
       "    --by) COMPREPLY=($(compgen -W \"kind stream actor\" -- \"$cur\")); "
       "return ;;\n"
       "  esac\n"
       "  case $path in\n";
  for (auto& [path, w] : words)
    s += "    \"" + path + "\") COMPREPLY=($(compgen -W \"" + w +
         "\" -- \"$cur\")) ;;\n";
  s += "  esac\n"
       "}\n"
       "complete -o default -F _tmo tmo\n";
  return s;
}

}  // namespace

void register_completion(CLI::App& app, context& ctx) {
  auto shell = std::make_shared<std::string>();
  auto* c = app.add_subcommand("completion", "Print a shell completion script");
  c->footer(
      "Examples:\n"
      "  eval \"$(tmo completion bash)\"              in ~/.bashrc\n"
      "  eval \"$(tmo completion zsh)\"               in ~/.zshrc");
  c->add_option("SHELL", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  c->callback([&app, &ctx, shell] {
    ctx.run = [&app, shell] {
      std::string s;
      if (*shell == "zsh")
        s = "# tmo zsh completion: eval \"$(tmo completion zsh)\"\n"
            "autoload -U +X bashcompinit && bashcompinit\n";
      s += bash_script(app);
      write_out(s);
      return exit_ok;
    };
  });
}

}  // namespace tmo::cli
