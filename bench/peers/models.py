"""PyTorch definitions of the benchmark models (random weights; timing only).

torchvision provides MobileNetV2 (any width), MobileNetV3-Large and
ResNet-18 in the layout edgenn's zoo follows. EfficientNet-Lite0 and the
MLPerf Tiny ResNet-8 are not in torchvision; they are written here from the
same descriptions as src/zoo/efficientnet_lite.c and src/zoo/resnet.c, so
all engines time the same architecture (peers.sh prints each model's
parameter count next to edgenn's as a check).
"""
import torch
from torch import nn

from model_table import MODELS  # noqa: F401 (key -> (zoo spec, resolution))


def _conv_bn_relu6(cin, cout, k, s, groups=1):
    return [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()]


class MBConv(nn.Module):
    def __init__(self, cin, cout, k, s, e):
        super().__init__()
        hidden = cin * e
        layers = []
        if e != 1:
            layers += _conv_bn_relu6(cin, hidden, 1, 1)
        layers += _conv_bn_relu6(hidden, hidden, k, s, groups=hidden)
        layers += [nn.Conv2d(hidden, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout)]
        self.block = nn.Sequential(*layers)
        self.skip = s == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.skip else y


class EfficientNetLite0(nn.Module):
    """TF EfficientNet-Lite0: B0's block table, no SE, ReLU6, stem 32, head 1280."""

    STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
              (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]

    def __init__(self, classes=1000):
        super().__init__()
        layers = _conv_bn_relu6(3, 32, 3, 2)
        cin = 32
        for r, k, s, e, c in self.STAGES:
            for i in range(r):
                layers.append(MBConv(cin, c, k, s if i == 0 else 1, e))
                cin = c
        layers += _conv_bn_relu6(cin, 1280, 1, 1)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1280, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class ResNet8(nn.Module):
    """MLPerf Tiny image classification ResNet-8 (Keras resnet_v1_eembc)."""

    def __init__(self, classes=10):
        super().__init__()

        def cbr(cin, cout, s):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, s, 1), nn.BatchNorm2d(cout), nn.ReLU())

        self.stem = cbr(3, 16, 1)
        self.s1 = nn.Sequential(cbr(16, 16, 1), nn.Conv2d(16, 16, 3, 1, 1), nn.BatchNorm2d(16))
        self.s2 = nn.Sequential(cbr(16, 32, 2), nn.Conv2d(32, 32, 3, 1, 1), nn.BatchNorm2d(32))
        self.sc2 = nn.Conv2d(16, 32, 1, 2, 0)
        self.s3 = nn.Sequential(cbr(32, 64, 2), nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64))
        self.sc3 = nn.Conv2d(32, 64, 1, 2, 0)
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.s1(x))
        x = torch.relu(self.sc2(x) + self.s2(x))
        x = torch.relu(self.sc3(x) + self.s3(x))
        return torch.softmax(self.fc(torch.flatten(self.pool(x), 1)), dim=1)


def build(key):
    """Returns (eval-mode module, example input [1,3,R,R])."""
    import torchvision.models as tvm

    res = MODELS[key][1]
    if key == "mobilenet_v2":
        m = tvm.mobilenet_v2()
    elif key == "mobilenet_v2_0.35_96":
        m = tvm.mobilenet_v2(width_mult=0.35)
    elif key == "mobilenet_v3_large":
        m = tvm.mobilenet_v3_large()
    elif key == "resnet18":
        m = tvm.resnet18()
    elif key == "efficientnet_lite0":
        m = EfficientNetLite0()
    elif key == "resnet8":
        m = ResNet8()
    else:
        raise KeyError(key)
    m.eval()
    torch.manual_seed(0)
    return m, torch.rand(1, 3, res, res) * 2 - 1


def trainable_params(m):
    return sum(p.numel() for p in m.parameters())
