import FlowStreamsFirestore
import Testing

/// Expects `body` to throw a `FirestoreError` with `code`.
func expectFirestoreError<T>(
    _ code: FirestoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as FirestoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a FirestoreError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to throw a `FirestoreError` with `code`.
func expectFirestoreError<T>(
    _ code: FirestoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as FirestoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a FirestoreError, got \(error)", sourceLocation: sourceLocation)
    }
}
