package dev.profilemate.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The same kernels as nsys, Kineto and ncu spell them (real names from the fixtures) reduce to one base name. */
class KernelNamesTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "void at::native::elementwise_kernel<(int)128, (int)4, void at::native::gpu_kernel_impl_nocast<at::native::BinaryFunctor<c10::BFloat16, c10::BFloat16, c10::BFloat16, at::native::binary_internal::MulFunctor<float>>>(at::TensorIteratorBase &, const T1 &)::[lambda(int) (instance 1)]>(int, T3) | at::native::elementwise_kernel",
    "void at::native::elementwise_kernel<128, 4, at::native::gpu_kernel_impl_nocast<at::native::BinaryFunctor<c10::BFloat16, c10::BFloat16, c10::BFloat16, at::native::binary_internal::MulFunctor<float> > >(at::TensorIteratorBase&, at::native::BinaryFunctor<c10::BFloat16, c10::BFloat16, c10::BFloat16, at::native::binary_internal::MulFunctor<float> > const&)::{lambda(int)#1}>(int, at::native::gpu_kernel_impl_nocast<at::native::BinaryFunctor<c10::BFloat16, c10::BFloat16, c10::BFloat16, at::native::binary_internal::MulFunctor<float> > >(at::TensorIteratorBase&, at::native::BinaryFunctor<c10::BFloat16, c10::BFloat16, c10::BFloat16, at::native::binary_internal::MulFunctor<float> > const&)::{lambda(int)#1}) | at::native::elementwise_kernel",
    "void <unnamed>::elementwise_kernel_with_index<int, at::native::arange_cuda_out(const c10::Scalar &)::[lambda() (instance 1)]>(T1, T2, function_traits<T2>::result_type *) | elementwise_kernel_with_index",
    "void (anonymous namespace)::elementwise_kernel_with_index<int, at::native::arange_cuda_out(c10::Scalar const&)::{lambda()#1}>(int) | elementwise_kernel_with_index",
    "void vectorized_elementwise_kernel<4, void unnamed>::pow_tensor_scalar_kernel_impl<float, float>(TensorIteratorBase &, T2)::[lambda(float) (instance 1)], std::array<char *, 2>>(int, T2, T3) | vectorized_elementwise_kernel",
    "void at::native::<unnamed>::cunn_SoftMaxForward<4, float, float, float, at::native::<unnamed>::SoftMaxForwardEpilogue>(T4 *, const T2 *, int) | at::native::cunn_SoftMaxForward",
    "nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT | nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT",
    "[CUDA memcpy Host-to-Device] | [CUDA memcpy Host-to-Device]",
    "Memcpy HtoD (Pageable -> Device) | Memcpy HtoD (Pageable -> Device)",
    "ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevComm *, unsigned long, ncclWork *) | ncclDevKernel_AllReduce_Sum_bf16_RING_LL"
  })
  void baseName(String full, String base) {
    assertThat(KernelNames.baseName(full)).isEqualTo(base);
  }
}
