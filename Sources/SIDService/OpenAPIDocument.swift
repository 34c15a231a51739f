/// The OpenAPI 3.1 description of the service, served at GET /openapi.json. Its one source is
/// OpenAPI/openapi.json in this module, compiled into the binary (SwiftPM's embedInCode), so the file in the
/// repository and the document the service serves cannot differ; OpenAPIContractTests hold it to the code.
enum OpenAPIDocument {
    static var bytes: [UInt8] { PackageResources.openapi_json }
}
