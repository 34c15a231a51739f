#include <libraw/libraw.h>
#include <malloc.h>

// Frame buffers of LibRaw from fresh (zeroed) pages: see LibRawSession.freshFrameBuffers. Swift's Glibc module
// does not declare mallopt.
static inline void sid_libraw_use_fresh_frame_buffers(void) { mallopt(M_MMAP_THRESHOLD, 128 * 1024); }
