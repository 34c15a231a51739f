import CKernels

/// The C entry points of one Winograd algorithm, so that loading the filters, sizing the scratch and running a
/// convolution each take them from its `UNet.Algorithm` instead of choosing between F(4x4) and F(6x6) again.
struct WinogradKernel: Sendable {
    /// Floats the transformed filters of an in_channels -> out_channels bank take.
    let filterFloats: @convention(c) (Int32, Int32) -> Int
    /// G g G^T for input channels [first_in, end_in) of every output channel, into the kernel's layout.
    let transformFilters: @convention(c) (UnsafePointer<Float>?, Int32, Int32, Int32, Int32,
                                          UnsafeMutablePointer<Float>?) -> Void
    /// Scratch floats one `convolve` over `tiles` tiles and `out_channels` outputs needs.
    let scratchFloats: @convention(c) (Int32, Int32, Int32) -> Int
    /// Tiles [first_tile, first_tile + tile_count) of one unit, output channels [first_out, first_out + out_count).
    let convolve: @convention(c) (UnsafePointer<sid_conv3x3>?, Int32, Int32, Int32, Int32,
                                  UnsafeMutablePointer<Float>?) -> Void

    static let f4x4 = WinogradKernel(
        filterFloats: sid_winograd_f4x4_3x3_filter_floats, transformFilters: sid_winograd_f4x4_3x3_filters,
        scratchFloats: sid_winograd_f4x4_3x3_scratch_floats, convolve: sid_winograd_f4x4_3x3)
    static let f6x6 = WinogradKernel(
        filterFloats: sid_winograd_f6x6_3x3_filter_floats, transformFilters: sid_winograd_f6x6_3x3_filters,
        scratchFloats: sid_winograd_f6x6_3x3_scratch_floats, convolve: sid_winograd_f6x6_3x3)
}
