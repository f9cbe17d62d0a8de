# shellcheck shell=bash
# Sourced by tools/run-*.sh and tools/measure-compile.sh (bash):
#   ensure_packages pkg...
# installs, on Debian 12, whichever of the named packages are missing, with
# apt-get; when nothing is missing it touches nothing (no apt-get update).

ensure_packages() {
    local missing=() package
    for package in "$@"; do
        if ! dpkg -s "$package" 2>/dev/null | grep '^Status: install ok installed' >/dev/null; then
            missing+=("$package")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "== packages: all present ($*)"
        return 0
    fi
    echo "== packages: installing ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "error: missing packages (${missing[*]}) and not root; run as root or install them." >&2
            return 1
        fi
    fi
    "${sudo[@]}" apt-get update &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
