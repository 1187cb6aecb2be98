// Package store is Haul's only door to Backblaze B2: accounts (a settings
// file plus the OS keychain), the S3 client configured the way B2 needs it,
// and every remote operation, returning Haul's own types and errors.
//
// Nothing in store imports Fyne, and nothing outside store imports the AWS
// SDK: callers see Bucket, Object, Page and *Error, never SDK types.
// Operations are synchronous, take a context first, and are safe for
// concurrent use unless a doc comment says otherwise.
package store
