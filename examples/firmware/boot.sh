#!/bin/sh
# The cargo runner of this firmware: boot the ELF cargo built ($1) on QEMU
# `virt` with `basalt-boot`, a host tool of the repository's `basalt-qemu`
# crate (it installs QEMU when missing, streams the console and exits with
# the firmware's status). Built from the repository root, so that the host
# workspace's configuration applies and not this folder's bare-metal target.
set -eu
elf=$(realpath "$1")
shift
cd "$(dirname "$0")/../.."
exec cargo run --quiet -p basalt-qemu --bin basalt-boot -- "$elf" "$@"
