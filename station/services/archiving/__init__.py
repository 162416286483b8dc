"""One-click archiving as use cases: which donations are ready, the resumable archiving job (check, number,
package, store), archive search and the disposal list. The infrastructure they use (checks, BagIt packages,
records stores, numbering schemes) is `archive/`, which knows nothing of the station's models."""
