#!/bin/sh
# Installs the real agent CLIs (Claude Code, Codex, Gemini CLI) that the
# end-to-end tests run offline, through the wrappers in ../shared/agents.
#
#   scripts/agent-clis.sh            the pinned versions (make test)
#   scripts/agent-clis.sh --latest   the newest release of each, as `npm view`
#                                    gives it now (make test-latest); prints
#                                    NAME=VERSION for each on stdout
#
# The versions are pinned in tests/agent-cli-versions (the variables the
# wrappers read); one already set in the environment wins. They are cached
# under ${AGENTS_DIR:-~/.cache/agent-clis}, one folder per version: a second
# run only checks them. Without ../shared (outside the workplace) there is
# nothing to install and the tests that need them skip.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$root/../shared/agents"
latest=0
[ "${1:-}" = "--latest" ] && latest=1
[ -d "$shared" ] || exit 0

# The wrapper and npm package of each version variable.
wrapper_of() {
  case "$1" in
    CLAUDE_CODE_VERSION) echo claude-offline ;;
    CODEX_VERSION) echo codex-offline ;;
    GEMINI_CLI_VERSION) echo gemini-offline ;;
  esac
}
package_of() {
  case "$1" in
    CLAUDE_CODE_VERSION) echo @anthropic-ai/claude-code ;;
    CODEX_VERSION) echo @openai/codex ;;
    GEMINI_CLI_VERSION) echo @google/gemini-cli ;;
  esac
}

assignments=""
for var in $(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$root/tests/agent-cli-versions"); do
  pinned="$(sed -n "s/^$var=//p" "$root/tests/agent-cli-versions")"
  eval "version=\${$var:-$pinned}"
  if [ $latest = 1 ]; then
    pkg="$(package_of "$var")"
    if ! version="$(npm view "$pkg" version 2>/dev/null)" || [ -z "$version" ]; then
      echo "agent-clis: npm view $pkg failed; keeping $pinned" >&2
      version="$pinned"
    fi
  fi
  cli="$(wrapper_of "$var")"
  export "$var=$version"
  if ! "$shared/$cli" install >/dev/null 2>&1; then
    # Once more with its output, to say why.
    if ! "$shared/$cli" install >&2; then
      echo "agent-clis: could not install $cli $version (npm and network" \
           "needed); its end-to-end test will fail" >&2
    fi
  fi
  assignments="$assignments $var=$version"
done
[ $latest = 1 ] && echo $assignments
exit 0
