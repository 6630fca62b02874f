#!/usr/bin/env bash
# `edgenn info zoo:NAME --json` reports the reference parameter and MAC
# counts at 1000 classes / 224x224 (torchvision figures; see the zoo
# sources for the MobileNet V1, EfficientNet-Lite0, ShuffleNet x0.5 and
# MLPerf Tiny derivations).
set -u
cli="$1"
pass=0; fail=0
check() { # name params macs
  local json p m
  json=$("$cli" info "zoo:$1" --json 2>&1)
  p=$(printf '%s\n' "$json" | sed -n 's/^  "params": \([0-9]*\),$/\1/p')
  m=$(printf '%s\n' "$json" | sed -n 's/^  "macs": \([0-9]*\),$/\1/p')
  if [ "$p" = "$2" ] && [ "$m" = "$3" ]; then echo "ok   $1 params $p macs $m"; pass=$((pass+1))
  else echo "FAIL $1: params '$p' (want $2), macs '$m' (want $3)"; fail=$((fail+1)); fi
}
check mobilenet_v2        3504872  300774272
check mobilenet_v3_small  2542856   56510400
check mobilenet_v3_large  5483032  216589760
check squeezenet1_1       1235496  349151936
check shufflenet_v2_x1_0  2278604  144907992
check shufflenet_v2_x0_5  1366792   40476448
check resnet18           11689512 1814073344
check mobilenet_v1        4231976  568740352
check efficientnet_lite0  4652008  385187552
check resnet8               78186   12501632
check ds_cnn                23756    2656768
check lenet5                61706     416520
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
