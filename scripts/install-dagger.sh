#!/bin/sh
# Installs the Dagger CLI the CI configurations pin (DAGGER_VERSION), verified before it runs:
# the release tarball for this machine is checked against the release's checksums.txt, as
# Dagger's own install.sh (and so dagger/dagger-for-github in the GitHub workflows) does, and
# also against DAGGER_SHA256 when a pipeline pins the tarball's bytes. Nothing is piped to a
# shell: this script is reviewed in the repository, not fetched.
# https://github.com/dagger/dagger/blob/main/install.sh (URL layout and checksum file)
set -eu

version="${DAGGER_VERSION:?set DAGGER_VERSION to the pinned Dagger version, e.g. 0.21.9}"
version="${version#v}"
bin_dir="${BIN_DIR:-/usr/local/bin}"
base="${DAGGER_DOWNLOAD_URL:-https://dl.dagger.io/dagger}/releases/${version}"

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-dagger: no Dagger build for $(uname -m)" >&2; exit 2 ;;
esac
tarball="dagger_v${version}_linux_${arch}.tar.gz"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL -o "$tmp/$tarball" "$base/$tarball"
curl -fsSL -o "$tmp/checksums.txt" "$base/checksums.txt"

want="$(awk -v f="$tarball" '$2 == f { print $1 }' "$tmp/checksums.txt")"
got="$(sha256sum "$tmp/$tarball" | cut -d ' ' -f 1)"
if [ -z "$want" ] || [ "$want" != "$got" ]; then
  echo "install-dagger: $tarball does not match the release's checksums.txt (want ${want:-nothing}, got $got)" >&2
  exit 1
fi
if [ -n "${DAGGER_SHA256:-}" ] && [ "$DAGGER_SHA256" != "$got" ]; then
  echo "install-dagger: $tarball is not the pinned DAGGER_SHA256 (want $DAGGER_SHA256, got $got)" >&2
  exit 1
fi

tar -xzf "$tmp/$tarball" -C "$tmp" dagger
mkdir -p "$bin_dir"
install -m 0755 "$tmp/dagger" "$bin_dir/dagger"
echo "install-dagger: dagger $version ($arch, sha256 $got) in $bin_dir"
