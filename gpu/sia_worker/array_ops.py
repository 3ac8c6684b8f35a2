"""The few array operations the losses need, over numpy or torch, so ONE loss implementation serves both:
numpy runs the golden vectors on CPU machines without torch; torch trains (autograd flows through every op
except `stop_gradient`). torch is imported only when a torch tensor shows up."""


class NumpyOps:
    name = "numpy"

    def __init__(self):
        import numpy

        self.np = numpy

    def asarray(self, values):
        return self.np.asarray(values, dtype=self.np.float64)

    def exp(self, x):
        return self.np.exp(x)

    def sqrt(self, x):
        return self.np.sqrt(x)

    def clip(self, x, low, high):
        return self.np.clip(x, low, high)

    def maximum(self, a, b):
        return self.np.maximum(a, b)

    def where(self, condition, a, b):
        return self.np.where(condition, a, b)

    def sum(self, x, axis=None):
        return self.np.sum(x, axis=axis)

    def stack(self, columns, axis):
        return self.np.stack(columns, axis=axis)

    def log_sigmoid(self, x):
        return -self.np.logaddexp(0.0, -x)

    def stop_gradient(self, x):
        return x


class TorchOps:
    name = "torch"

    def __init__(self):
        import torch

        self.torch = torch

    def asarray(self, values):
        if isinstance(values, self.torch.Tensor):
            return values
        return self.torch.as_tensor(values, dtype=self.torch.float64)

    def exp(self, x):
        return self.torch.exp(x)

    def sqrt(self, x):
        return self.torch.sqrt(x)

    def clip(self, x, low, high):
        return self.torch.clamp(x, low, high)

    def maximum(self, a, b):
        return self.torch.maximum(a, b)

    def where(self, condition, a, b):
        return self.torch.where(condition, a, b)

    def sum(self, x, axis=None):
        return self.torch.sum(x) if axis is None else self.torch.sum(x, dim=axis)

    def stack(self, columns, axis):
        return self.torch.stack(columns, dim=axis)

    def log_sigmoid(self, x):
        return self.torch.nn.functional.logsigmoid(x)

    def stop_gradient(self, x):
        return x.detach()


def ops_for(array):
    """The namespace matching an array's library (a torch tensor → TorchOps, anything else → NumpyOps)."""
    if type(array).__module__.startswith("torch"):
        return TorchOps()
    return NumpyOps()
