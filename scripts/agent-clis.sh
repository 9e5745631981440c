#!/bin/sh
# Installs the real agent CLIs (Claude Code, Codex, Gemini CLI) that the
# end-to-end tests run offline, through the wrappers in ../shared/agents.
# They are cached under ${AGENTS_DIR:-~/.cache/agent-clis}: a second run
# only checks them. Without ../shared (outside the workplace) there is
# nothing to install and the tests that need them skip.
set -u
shared="$(cd "$(dirname "$0")/.." && pwd)/../shared/agents"
[ -d "$shared" ] || exit 0

for cli in claude-offline codex-offline gemini-offline; do
  if ! "$shared/$cli" install >/dev/null 2>&1; then
    # Once more with its output, to say why.
    if ! "$shared/$cli" install; then
      echo "agent-clis: could not install $cli (npm and network needed);" \
           "its end-to-end test will fail" >&2

    fi
  fi
done
exit 0
