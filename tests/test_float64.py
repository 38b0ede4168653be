"""float64 where it exists: on the tensor's own device, or on the host for MPS, with gradients through."""

import torch

from brushwork.float64 import float64_device, narrow, wide, wide_zero


def test_float64_runs_where_the_tensor_is_but_on_mps():
    assert float64_device(torch.device("cpu")) == torch.device("cpu")
    assert float64_device(torch.device("cuda", 1)) == torch.device("cuda", 1)
    assert float64_device(torch.device("meta")) == torch.device("meta")
    assert float64_device(torch.device("mps")) == torch.device("cpu")


def test_a_widened_result_narrows_back_with_its_gradient():
    x = torch.tensor([1.0, 2.0, 3.0], device="cpu", requires_grad=True)
    widened = wide(x)
    assert widened.dtype == torch.float64 and widened.device == x.device
    total = narrow((widened**2).sum() + wide_zero(x.device), x)
    assert total.dtype == torch.float32 and total.item() == 14.0
    total.backward()
    assert torch.equal(x.grad, torch.tensor([2.0, 4.0, 6.0], device="cpu"))


def test_a_meta_tensor_widens_on_meta():
    widened = wide(torch.empty(4, 4, device="meta"))
    assert widened.device.type == "meta" and widened.dtype == torch.float64
    assert narrow(widened, torch.device("meta"), torch.bfloat16).dtype == torch.bfloat16
