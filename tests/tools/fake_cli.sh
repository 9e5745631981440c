#!/bin/sh
# fake_cli.sh: "minicli", a CLI tmo has no built-in profile for. It draws
# its own prompt, busy line, approval and rate-limit texts, so a user
# profile file (profiles_cli_test.cpp) can teach tmo to read them.
#
#   fake_cli.sh idle|busy|approval|rate-limit   print that screen, exit
#   fake_cli.sh                                 interactive: a prompt; a
#       line is "worked on" for a moment (busy), then the prompt is back;
#       a line starting "run " asks to run the rest first; "quit" exits.
screen() {
  case "$1" in
    idle)
      printf 'minicli 1.0, a scripted fake\n\n[ready] type a task, ctrl-d quits\nmini> %s\n' "$2" ;;
    busy)
      printf 'minicli 1.0, a scripted fake\n\nmini> %s\n~ thinking (press esc to stop)\n' "$2" ;;
    approval)
      printf 'minicli 1.0, a scripted fake\n\nmini> %s\nAllow this command?\n$ %s\n  1. Yes\n  2. Yes, for this session\n  3. No\n' "$2" "$3" ;;
    rate-limit)
      printf 'minicli 1.0, a scripted fake\n\nmini: rate limit hit, try again in 5 minutes\n' ;;
  esac
}
if [ $# -gt 0 ]; then
  screen "$1" "${2:-build it}" "${3:-make all}"
  exit 0
fi
log=${MINICLI_LOG:-/dev/null}
clear 2>/dev/null || printf '\033[H\033[2J'
screen idle ""
while IFS= read -r line; do
  [ "$line" = quit ] && exit 0
  printf 'got %s\n' "$line" >> "$log"
  printf '\033[H\033[2J'
  screen busy "$line"
  sleep 1
  printf '\033[H\033[2J'
  screen idle ""
done
