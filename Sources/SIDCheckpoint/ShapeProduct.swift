extension Array where Element == Int {
    /// The number of elements a shape describes, or nil if a dimension is negative or the product overflows.
    var checkedProduct: Int? {
        var product = 1
        for dimension in self {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
