# Sourced by the install-*.sh scripts that build a pinned Go tool into .tools/bin. The caller sets:
#   tool        binary name (also what is looked for on PATH when Go cannot build)
#   module      the Go package path to `go install`
#   version     the pinned version
#   what        how messages name the tool ("the Temporal CLI")
#   found       how they name one found on PATH ("the temporal CLI")
#   detail      what it is for, shown while building ("(dev server + Web UI)")
#   duration    how long a first build takes on 2 cores ("a few minutes")
#   purpose     what the tool is, for the "cannot build" message
#   override    the variable that points at an existing binary instead
#   log_name    the log's file name under .data/logs
#   go_note     what the "go.mod requires go" error means for this module
# and calls build_go_tool. Prints the binary's path on stdout; progress and errors go to stderr.
# Exit status: 0 built or already present; 1 the build failed (the message says why and where the
# log is); 2 it cannot build here (no Go, or a Go too old), with what to install.

# Go 1.21 and later fetch the toolchain a module asks for through the module proxy.
min_go_minor=21

say() { printf 'countersign: %s\n' "$*" >&2; }

# Turns go's -v output into one progress line every few seconds instead of hundreds of lines.
progress() {
  local line downloaded=0 compiled=0 last=$SECONDS tty=0
  [ -t 2 ] && tty=1
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    case $line in
      "go: downloading "*) downloaded=$((downloaded + 1)) ;;
      go:* | *" "*) ;;
      *) compiled=$((compiled + 1)) ;;
    esac
    if [ $((SECONDS - last)) -ge $((tty == 1 ? 1 : 15)) ]; then
      last=$SECONDS
      if [ "$tty" -eq 1 ]; then
        printf '\r  %d modules downloaded, %d packages compiled, %ds ' "$downloaded" "$compiled" "$SECONDS" >&2
      else
        printf '  %d modules downloaded, %d packages compiled, %ds\n' "$downloaded" "$compiled" "$SECONDS" >&2
      fi
    fi
  done
  [ "$tty" -eq 1 ] && printf '\n' >&2
  if [ $((downloaded + compiled)) -eq 0 ]; then
    printf '  done in %ds (all from the Go module and build caches)\n' "$SECONDS" >&2
  else
    printf '  done: %d modules downloaded, %d packages compiled in %ds\n' "$downloaded" "$compiled" "$SECONDS" >&2
  fi
}

build_go_tool() {
  local root bin stamp go_problem go_version minor status
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  bin="$root/.tools/bin/$tool"
  stamp="$bin.version"

  # A go install build does not carry the pinned version, so it is recorded beside the binary.
  if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    echo "$bin"
    exit 0
  fi

  go_problem=""
  if ! command -v go >/dev/null 2>&1; then
    go_problem="no Go toolchain is on PATH"
  else
    go_version=$(go env GOVERSION 2>/dev/null || true)
    minor=$(printf '%s' "$go_version" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
    if [ -z "$minor" ] || [ "$minor" -lt "$min_go_minor" ]; then
      go_problem="the Go on PATH is ${go_version:-of unknown version}, older than go1.$min_go_minor"
    fi
  fi
  if [ -n "$go_problem" ]; then
    # One the user installed will do (its version is their choice).
    if command -v "$tool" >/dev/null 2>&1; then
      say "$go_problem; using $found on PATH ($(command -v "$tool")) instead of building $version"
      command -v "$tool"
      exit 0
    fi
    say "$purpose is built from source on first use, but $go_problem." \
      "Install Go 1.$min_go_minor or later (https://go.dev/doc/install; Ubuntu 24.04: apt-get install golang-go)," \
      "or put $what on PATH as '$tool', or set $override to one; then run the command again."
    exit 2
  fi

  mkdir -p "$root/.tools/bin" "$root/.data/logs"
  log="$root/.data/logs/$log_name"
  say "building $what $version $detail from Go modules: first time only," \
    "$duration on 2 cores; later runs reuse it. Log: .data/logs/$log_name"

  : >"$log"
  SECONDS=0
  status=0
  GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install -v "$module@$version" 2>&1 |
    progress || status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ] || [ ! -x "$bin" ]; then
    say "building $what failed (go install exited $status). Its last lines:"
    tail -n 8 "$log" | sed 's/^/    /' >&2
    say "Full log: .data/logs/$log_name. A network error means the Go module proxy could not" \
      "be reached (GOPROXY); $go_note Fix it and run the command again; what was already downloaded is kept."
    exit 1
  fi
  echo "$version" >"$stamp"
  echo "$bin"
}
