"""The benchmark models: key -> (edgenn zoo spec, input resolution).

Kept in step with spec_of() in bench/peers.sh; no third-party imports so
the report runs on any python3.
"""
MODELS = {
    "mobilenet_v2": ("zoo:mobilenet_v2", 224),
    "mobilenet_v2_0.35_96": ("zoo:mobilenet_v2,width=0.35,res=96", 96),
    "mobilenet_v3_large": ("zoo:mobilenet_v3_large", 224),
    "efficientnet_lite0": ("zoo:efficientnet_lite0", 224),
    "resnet8": ("zoo:resnet8", 32),
    "resnet18": ("zoo:resnet18", 224),
}
