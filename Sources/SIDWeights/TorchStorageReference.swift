/// A typed storage a pickle refers to by key; its bytes live in the archive or after the legacy pickles.
struct TorchStorageReference: Sendable {
    /// The storage key: `data/<key>` in a zip checkpoint, a record after the pickles in a legacy one.
    let key: String
    let dtype: TorchDType
    /// Legacy checkpoints can pickle a view into a larger storage: its first element there.
    let elementOffset: Int
    let elementCount: Int
}
