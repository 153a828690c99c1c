#!/usr/bin/env bash
# One run on a lent many-core machine (the `device` tool), prepared by
# scripts/device-bundle.sh and carried with build/Release and dist: native
# exactness of every kernel this CPU has (AMX included), the fault guard, the
# probes and amx_ceiling, kernel_bench, `qgemm bench` at 1..16 threads,
# step_costs and the demo. Each step has its own time limit and writes to
# $OUT; the steps run in order of importance.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device-out}
mkdir -p "$OUT" /tmp/dev/lib
xz -dc .device/node.xz > /tmp/dev/node && chmod +x /tmp/dev/node
cp .device/lib/* /tmp/dev/lib/ && xz -df /tmp/dev/lib/libdnnl.so.2.xz
export PATH=/tmp/dev:$PATH LD_LIBRARY_PATH=/tmp/dev/lib QGEMM_COMPUTE_NICE=0
[ -d node_modules ] || tar -xJf .device/node_modules.tar.xz
step() { echo; echo "=== $1 ($SECONDS s)"; }
run() { local t=$1 name=$2; shift 2; step "$name"; timeout "$t" "$@" 2>&1 | tee "$OUT/$name.txt" | tail -n 40; }

step machine
{ lscpu; ldd --version | head -1; node --version; nproc; } > "$OUT/machine.txt" 2>&1
grep -E 'Model name|^CPU\(s\)|Flags' "$OUT/machine.txt" | cut -c1-400; ldd --version | head -1
# The addon built here needs glibc >= 2.36; else build it there (cmake, g++) without oneDNN.
if ! node -e "require('./dist/lib/index.js').info()" >/dev/null 2>&1; then
  step "rebuild the addon here"
  cmake -S . -B /tmp/qb -DCMAKE_BUILD_TYPE=Release -DQGEMM_WITH_ONEDNN=OFF \
    "-DCMAKE_JS_INC=$PWD/node_modules/node-api-headers/include;$PWD/node_modules/node-addon-api" >/dev/null &&
    cmake --build /tmp/qb -j "$(nproc)" >/dev/null && cp /tmp/qb/qgemm.node build/Release/qgemm.node
fi
run 60 isa-native .device/bin/isa_test --mode native
run 20 fault-guard .device/bin/fault_guard_test
run 30 info node dist/bin/qgemm.js info
run 150 js-exactness node --import tsx --test test/kernels.test.ts test/train_int8.test.ts test/train_adam8bit.test.ts test/qmatmul.test.ts
run 60 amx-ceiling .device/bin/amx_ceiling
run 40 probes sh -c '.device/bin/kernel_bench probes 1; .device/bin/kernel_bench probes 2; .device/bin/kernel_bench probes 16'
run 90 kernel-bench sh -c 'for k in amx_int8 avx512_vnni; do for s in 64x4096x4096 256x1024x1024 512x512x512 1024x1024x1024 2048x2048x2048 2048x2048x128; do
  for t in 1 2; do .device/bin/kernel_bench $k $s $t; done; done; done'
run 200 bench node dist/bin/qgemm.js bench --quick --threads 1,2,4,8,16 --out "$OUT" \
  --shapes 1:4096:4096,64:4096:4096,256:1024:1024,512:512:512,1024:1024:1024,2048:2048:2048
run 100 step-costs node --import tsx examples/fashion-mnist/step_costs.ts --wide --reps 8 --threads 2
run 120 demo node --import tsx examples/fashion-mnist/main.ts --threads 2
run 150 demo-wide node --import tsx examples/fashion-mnist/main.ts --wide --threads 2
step done
