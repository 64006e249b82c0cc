"""``Conv2dNormActivation``: the Conv2d -> norm -> activation Sequential MobileNet is made of."""
from ... import nn


class Conv2dNormActivation(nn.Sequential):
    """Conv2d (padding (k-1)//2*dilation by default, bias only without a norm), then ``norm_layer``,
    then ``activation_layer`` (built with ``inplace=`` unless ``inplace`` is None); a None layer is left out.
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1, inplace=True, bias=None):
        if padding is None:
            kernels = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,)
            dilations = dilation if isinstance(dilation, (tuple, list)) else (dilation,)
            if len(kernels) == len(dilations) == 1:
                padding = (kernels[0] - 1) // 2 * dilations[0]
            else:
                kernels, dilations = kernels * (2 // len(kernels)), dilations * (2 // len(dilations))
                padding = tuple((k - 1) // 2 * d for k, d in zip(kernels, dilations))
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                            groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels
