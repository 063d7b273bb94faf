#!/bin/sh
# Run every fuzz target for a time budget, one libFuzzer process each, and
# print the executions and findings of each.
#
#   fuzz/run.sh <seconds-per-target> [targets-at-once]
#   TARGETS="compile_smith" fuzz/run.sh 600    # a subset
#
# Needs nightly and cargo-fuzz (`rustup toolchain install nightly --profile
# minimal`, `cargo install cargo-fuzz`). Crashes land in
# fuzz/artifacts/<target>/; logs in fuzz/logs/<target>.log. Builds with
# debug assertions (`-a`), so arithmetic overflow counts as a finding.
set -eu
secs=${1:?usage: fuzz/run.sh <seconds-per-target> [targets-at-once]}
parallel=${2:-1}
fuzz=$(cd "$(dirname "$0")" && pwd)
targets=${TARGETS:-"artifact_bytes artifact_mutated compile_smith instantiate_smith"}

# artifact_mutated starts from real artifacts: the examples and the seeds
# here, in both bounds-check modes, compiled by the project's own CLI (the
# root workspace, on its stable toolchain).
mkdir -p "$fuzz/corpus/artifact_mutated" "$fuzz/logs"
for wat in "$fuzz"/../examples/*.wat "$fuzz"/seeds/*.wat; do
    name=$(basename "$wat" .wat)
    for mode in explicit guard; do
        (cd "$fuzz/.." && nice -n 10 cargo run -q -p basalt-compiler -- compile "$wat" \
            -o "$fuzz/corpus/artifact_mutated/$name-$mode.bsl" --bounds-checks=$mode)
    done
done

cd "$fuzz"
nice -n 10 cargo fuzz build -a
run() {
    mkdir -p "corpus/$1"
    # No per-input leak check: it scans the 80 MiB of `'static` arenas
    # for pointers after every input that allocated (10x slower), and a
    # leak is not what these targets look for.
    # wasm-smith reads its module from the input: start at full length
    # rather than letting libFuzzer grow inputs from a few bytes (which
    # keeps modules tiny for the first many minutes).
    case $1 in
    *_smith) len="-max_len=8192 -len_control=0" ;;
    *) len="" ;;
    esac
    nice -n 10 cargo fuzz run -a "$1" "corpus/$1" -- \
        -max_total_time="$secs" -rss_limit_mb=4096 -detect_leaks=0 $len \
        -print_final_stats=1 >"logs/$1.log" 2>&1 || true
    runs=$(grep -o 'Done [0-9]* runs' "logs/$1.log" | grep -o '[0-9]*' || echo "?")
    crashes=$(ls "artifacts/$1" 2>/dev/null | grep -c . || true)
    echo "$1: $runs executions in ${secs}s, $crashes findings (artifacts/$1, logs/$1.log)"
}
set -- $targets
while [ $# -gt 0 ]; do
    n=0
    while [ $# -gt 0 ] && [ $n -lt "$parallel" ]; do
        run "$1" &
        shift
        n=$((n + 1))
    done
    wait
done
