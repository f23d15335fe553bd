#!/usr/bin/env bash
# Installs cpi-gitops on a GitHub Actions runner for action.yml at the repository root: the
# released binary for the runner's OS and architecture, verified against the release's SHA256SUMS,
# or (build-from-source) a cargo build of the action's own checkout. Runs under the bash of Linux
# and macOS runners (bash 3.2 included) and the Git Bash of Windows runners.
#
# Usage: install.sh resolve|install
#
#   resolve  checks the inputs, picks the asset, reads the release's SHA256SUMS and writes the
#            outputs `cache-path` and `cache-key` for the actions/cache step of action.yml
#   install  takes the archive from the cache folder if it still matches SHA256SUMS, otherwise
#            downloads and verifies it; unpacks it under RUNNER_TEMP, adds the binary's folder to
#            GITHUB_PATH and writes the outputs `version` and `path`
#
# Inputs come as environment variables (action.yml maps its inputs to them; they are never
# interpolated into this script):
#   SETUP_VERSION            the release to install, e.g. 0.2.0 (a leading `v` is accepted)
#   SETUP_REPOSITORY         owner/name of the repository whose releases hold the binaries
#   SETUP_BUILD_FROM_SOURCE  `true`: build the action's own source with cargo instead
#   SETUP_TOKEN              optional: download through the REST API with this token, for a
#                            private repository's releases (public ones need none)
# and from the runner: RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, RUNNER_TOOL_CACHE, GITHUB_SERVER_URL,
# GITHUB_API_URL, GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_PATH.
#
# Release assets are named cpi-gitops-<version>-<target>.tar.gz (.zip for Windows) and hold
# cpi-gitops-<version>-<target>/cpi-gitops[.exe]; they sit beside SHA256SUMS in the release
# tagged v<version> (see .github/workflows/release.yml and .github/scripts/package-release).
#
# The cache folder is never trusted: a cached archive is used only when its sha256 equals the
# line of the release's SHA256SUMS, read again on every run. A source build cannot be verified
# that way; its cache key is a hash of the sources (see source_hash).
set -euo pipefail

# Workflow commands take their data after `::`; escape it so that a value cannot start a command.
escape_data() {
  local s=$1
  s=${s//%/%25}
  s=${s//$'\r'/%0D}
  s=${s//$'\n'/%0A}
  printf '%s' "$s"
}

fail() {
  echo "::error title=cpi-gitops setup::$(escape_data "$*")"
  exit 1
}

warn() {
  echo "::warning title=cpi-gitops setup::$(escape_data "$*")"
}

note() {
  echo "cpi-gitops setup: $*"
}

# Runner paths are Windows paths on Windows runners; bash works on the POSIX form, GitHub's files
# (GITHUB_PATH, outputs) want the native one.
posix_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s\n' "$1"; fi
}

native_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else printf '%s\n' "$1"; fi
}

require_env() {
  local name
  for name in "$@"; do
    if [ -z "${!name:-}" ]; then
      fail "$name is not set: this script runs inside a GitHub Actions step (action.yml)"
    fi
  done
}

# The target triple of the release binary that runs on this runner.
target_for() {
  case "$1/$2" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    # Windows on Arm runs x64 programs through its emulation layer.
    Windows/ARM64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

# Picks the sha256 tool once, at the top level (a failure inside $(...) would go unseen).
hash_tool=""
pick_hash_tool() {
  if command -v sha256sum >/dev/null 2>&1; then
    hash_tool=sha256sum
  elif command -v shasum >/dev/null 2>&1; then
    hash_tool=shasum
  elif command -v openssl >/dev/null 2>&1; then
    hash_tool=openssl
  else
    fail "none of sha256sum, shasum or openssl is on PATH: cannot verify the download"
  fi
}

sha256_of() {
  local out
  case "$hash_tool" in
    sha256sum) out=$(sha256sum "$1") ;;
    shasum) out=$(shasum -a 256 "$1") ;;
    *) out=$(openssl dgst -sha256 -r "$1") ;;
  esac
  out=${out%% *}
  # sha256sum marks names with special characters by a leading backslash.
  out=${out#\\}
  printf '%s\n' "$out" | tr 'A-F' 'a-f'
}

# Sets `want` to the sha256 that SHA256SUMS ($1) gives for the file name $2; fails closed when
# the file lists the name not at all, or twice with different sums.
want=""
expected_sha256() {
  local sums=$1 name=$2 line hash
  want=""
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    # sha256sum's format: 64 hex digits, a space, then ` ` (text) or `*` (binary), then the name.
    if [[ $line =~ ^([0-9a-fA-F]{64})\ [\ *](.+)$ ]] && [ "${BASH_REMATCH[2]}" = "$name" ]; then
      hash=$(printf '%s\n' "${BASH_REMATCH[1]}" | tr 'A-F' 'a-f')
      if [ -n "$want" ] && [ "$want" != "$hash" ]; then
        fail "SHA256SUMS of v$version in $repository lists $name twice with different sums; refusing to install"
      fi
      want=$hash
    fi
  done <"$sums"
  if [ -z "$want" ]; then
    fail "SHA256SUMS of v$version in $repository has no line for $name; refusing to install a binary that cannot be verified"
  fi
}

# download URL DEST [ACCEPT]: writes DEST only when the server answered 200; sets http_status.
http_status=""
download() {
  local url=$1 dest=$2 accept=${3:-} rc=0
  local args=(--location --silent --show-error --retry 3 --connect-timeout 30 --proto-redir =https
    --output "$dest.part" --write-out '%{http_code}')
  if [ -n "$accept" ]; then
    args+=(--header "Accept: $accept")
  fi
  rm -f "$dest.part"
  if [ -n "${SETUP_TOKEN:-}" ]; then
    # The token goes through curl's config on stdin, not the command line; curl sends custom
    # Authorization headers to the first host only, not to the storage host it is redirected to.
    http_status=$(printf 'header = "Authorization: Bearer %s"\n' "$SETUP_TOKEN" |
      curl --config - "${args[@]}" "$url") || rc=$?
  else
    http_status=$(curl "${args[@]}" "$url") || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    rm -f "$dest.part"
    fail "could not download $url (curl exit code $rc): check the runner's network and GITHUB_SERVER_URL"
  fi
  if [ "$http_status" != 200 ]; then
    rm -f "$dest.part"
    return 1
  fi
  mv -f "$dest.part" "$dest"
}

# Token mode: the release's JSON from the REST API, read once (at the top level).
release_json=""
read_release_json() {
  release_json="$state_dir/release.json"
  [ -f "$release_json" ] && return 0
  command -v jq >/dev/null 2>&1 || fail "downloading with a token needs jq on PATH"
  local api=${GITHUB_API_URL:-https://api.github.com}
  if ! download "$api/repos/$repository/releases/tags/v$version" "$release_json" "application/vnd.github+json"; then
    fail "no release v$version in $repository ($api answered HTTP $http_status): check the inputs version and repository, and that the token may read the repository's contents"
  fi
  jq -e '.assets | type == "array"' "$release_json" >/dev/null 2>&1 ||
    fail "the release v$version of $repository from $api is not the JSON of a release"
}

# Fetches release file $1 into $2; 1 (http_status set) when the release has no such file.
# Sets file_url to where it was asked for.
file_url=""
fetch_release_file() {
  local name=$1 dest=$2
  if [ -n "${SETUP_TOKEN:-}" ]; then
    read_release_json
    file_url=$(jq -r --arg name "$name" '[.assets[] | select(.name == $name) | .url] | first // empty' "$release_json")
    if [ -z "$file_url" ]; then
      file_url="the asset list of release v$version at ${GITHUB_API_URL:-https://api.github.com}"
      http_status=404
      return 1
    fi
    download "$file_url" "$dest" "application/octet-stream"
  else
    file_url="$server/$repository/releases/download/v$version/$name"
    download "$file_url" "$dest"
  fi
}

write_output() {
  echo "$1=$2" >>"$GITHUB_OUTPUT"
}

# Sets `source_sha` to a hash of what cargo builds the binary from: the manifests, the lock file
# and the sources of the action's checkout $1.
source_sha=""
source_hash() {
  local src=$1 list="$state_dir/source.sha256" p f
  : >"$list"
  for p in Cargo.toml Cargo.lock build.rs rust-toolchain rust-toolchain.toml src crates; do
    [ -e "$src/$p" ] || continue
    (cd "$src" && find "$p" -type f ! -path '*/target/*') | LC_ALL=C sort | while IFS= read -r f; do
      printf '%s  %s\n' "$(sha256_of "$src/$f")" "$f"
    done >>"$list"
  done
  [ -f "$src/Cargo.toml" ] || fail "$src holds no Cargo.toml: build-from-source builds the action's own checkout"
  source_sha=$(sha256_of "$list")
}

# --- inputs and the runner ------------------------------------------------------------------

phase=${1:-}
case "$phase" in
  resolve | install) ;;
  *) fail "usage: install.sh resolve|install" ;;
esac

require_env RUNNER_OS RUNNER_ARCH RUNNER_TEMP GITHUB_OUTPUT GITHUB_PATH

version=${SETUP_VERSION:-}
version=${version#v}
if [ -z "$version" ]; then
  fail "the input version is required: the cpi-gitops release to install, e.g. 0.2.0"
fi
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  fail "the input version '${SETUP_VERSION}' is not a release version such as 0.2.0 (pin an exact version; there is no 'latest')"
fi

repository=${SETUP_REPOSITORY:-}
if ! [[ $repository =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
  fail "the input repository '${repository}' is not of the form owner/name"
fi

build_from_source=${SETUP_BUILD_FROM_SOURCE:-false}
case "$build_from_source" in
  true | false) ;;
  *) fail "the input build-from-source is '$build_from_source'; it takes true or false" ;;
esac

pick_hash_tool

server=${GITHUB_SERVER_URL:-https://github.com}
server=${server%/}
temp=$(posix_path "$RUNNER_TEMP")
tool_cache=$(posix_path "${RUNNER_TOOL_CACHE:-$RUNNER_TEMP/tool-cache}")

exe=""
if [ "$RUNNER_OS" = Windows ]; then
  exe=".exe"
fi

# --- build from source ----------------------------------------------------------------------

if [ "$build_from_source" = true ]; then
  require_env GITHUB_ACTION_PATH
  src=$(posix_path "$GITHUB_ACTION_PATH")
  platform=$(printf '%s-%s' "$RUNNER_OS" "$RUNNER_ARCH" | tr 'A-Z' 'a-z')
  state_dir="$temp/cpi-gitops-setup/source-$platform"
  mkdir -p "$state_dir"
  source_hash "$src"
  hash=$source_sha
  cache_dir="$tool_cache/cpi-gitops/source/$platform-$hash"
  if [ "$phase" = resolve ]; then
    write_output cache-path "$(native_path "$cache_dir")"
    write_output cache-key "cpi-gitops-source-$platform-$hash"
    exit 0
  fi
  bin="$cache_dir/bin/cpi-gitops$exe"
  if [ -x "$bin" ] || [ -f "$bin" ]; then
    note "cpi-gitops from source $hash: from the cache"
  else
    command -v cargo >/dev/null 2>&1 ||
      fail "build-from-source needs cargo on PATH (GitHub's hosted runners have it; elsewhere install Rust first)"
    note "building cpi-gitops from $src (cargo install --locked)"
    rm -rf "$cache_dir"
    CARGO_TARGET_DIR="$temp/cpi-gitops-setup/target" \
      cargo install --locked --path "$(native_path "$src")" --root "$(native_path "$cache_dir")" --bin cpi-gitops ||
      fail "cargo install of $src failed (see above)"
    [ -f "$bin" ] || fail "cargo install finished but $bin does not exist"
  fi
  source_version=$(sed -n 's/^version *= *"\(.*\)"$/\1/p' "$src/Cargo.toml" | head -n 1)
  if [ -n "$source_version" ] && [ "$source_version" != "$version" ]; then
    warn "the source at $src is version $source_version, the input version says $version"
  fi
  echo "$(native_path "$cache_dir/bin")" >>"$GITHUB_PATH"
  write_output version "${source_version:-$version}"
  write_output path "$(native_path "$bin")"
  note "installed $(native_path "$bin")"
  exit 0
fi

# --- a released binary ----------------------------------------------------------------------

command -v curl >/dev/null 2>&1 || fail "curl is not on PATH: the download needs it"

if ! target=$(target_for "$RUNNER_OS" "$RUNNER_ARCH"); then
  fail "cpi-gitops releases have no binary for RUNNER_OS=$RUNNER_OS RUNNER_ARCH=$RUNNER_ARCH (they have Linux X64 and ARM64, macOS X64 and ARM64, Windows X64); set build-from-source: true to build it with cargo"
fi
if [ "$RUNNER_OS/$RUNNER_ARCH" = Windows/ARM64 ]; then
  note "Windows on Arm: installing the x64 binary, which Windows runs through its emulation"
fi
if [ "$RUNNER_OS" = Windows ]; then
  asset="cpi-gitops-$version-$target.zip"
else
  asset="cpi-gitops-$version-$target.tar.gz"
fi

state_dir="$temp/cpi-gitops-setup/$version-$target"
cache_dir="$tool_cache/cpi-gitops/$version/$target"
mkdir -p "$state_dir"

sums="$state_dir/SHA256SUMS"
if [ ! -f "$sums" ]; then
  if ! fetch_release_file SHA256SUMS "$sums"; then
    fail "no release v$version with a SHA256SUMS in $repository ($file_url answered HTTP $http_status): check the inputs version and repository"
  fi
fi
expected_sha256 "$sums" "$asset"

if [ "$phase" = resolve ]; then
  write_output cache-path "$(native_path "$cache_dir")"
  write_output cache-key "cpi-gitops-$version-$target-$want"
  exit 0
fi

archive="$cache_dir/$asset"
if [ -f "$archive" ]; then
  have=$(sha256_of "$archive")
  if [ "$have" = "$want" ]; then
    note "$asset: from the cache, sha256 $want as in SHA256SUMS"
  else
    warn "the cached $asset has sha256 $have, SHA256SUMS says $want: downloading it again"
    rm -f "$archive"
  fi
fi
if [ ! -f "$archive" ]; then
  download_to="$state_dir/$asset"
  if ! fetch_release_file "$asset" "$download_to"; then
    fail "$asset is listed in SHA256SUMS, but $file_url answered HTTP $http_status: the release v$version of $repository lacks the binary for $RUNNER_OS $RUNNER_ARCH"
  fi
  have=$(sha256_of "$download_to")
  if [ "$have" != "$want" ]; then
    rm -f "$download_to"
    fail "checksum mismatch for $asset from $file_url: its sha256 is $have, SHA256SUMS says $want; nothing was installed"
  fi
  note "$asset: downloaded, sha256 $want as in SHA256SUMS"
  mkdir -p "$cache_dir"
  # Copy then rename, so that a concurrent job never sees half an archive.
  cp "$download_to" "$archive.$$.tmp"
  mv -f "$archive.$$.tmp" "$archive"
  rm -f "$download_to"
fi

unpacked="$temp/cpi-gitops/$version-$target"
rm -rf "$unpacked"
mkdir -p "$unpacked"
case "$asset" in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$archive" -d "$unpacked" || fail "could not unpack $asset"
    else
      py=$(command -v python3 || command -v python) || fail "unpacking $asset needs unzip or python"
      "$py" -m zipfile -e "$(native_path "$archive")" "$(native_path "$unpacked")" || fail "could not unpack $asset"
    fi
    ;;
  *) tar -xzf "$archive" -C "$unpacked" || fail "could not unpack $asset" ;;
esac
bin_dir="$unpacked/cpi-gitops-$version-$target"
bin="$bin_dir/cpi-gitops$exe"
[ -f "$bin" ] || fail "$asset holds no cpi-gitops-$version-$target/cpi-gitops$exe"
chmod +x "$bin"

echo "$(native_path "$bin_dir")" >>"$GITHUB_PATH"
write_output version "$version"
write_output path "$(native_path "$bin")"
note "installed cpi-gitops $version ($target) at $(native_path "$bin")"
