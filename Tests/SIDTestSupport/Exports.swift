// The PNG decoder is a target of its own only so that the fuzzer can link it alone; tests see it through
// `import SIDTestSupport` like the rest of the support.
@_exported import PNGTestDecoder
