// Package store is Haul's only door to Backblaze B2: accounts (a settings
// file plus the OS keychain), the S3 client configured the way B2 needs it,
// and every remote operation, returning Haul's own types and errors.
//
// Nothing in store imports Fyne, and nothing outside store imports the AWS
// SDK: callers see Bucket, Object, Page and *Error, never SDK types.
// Operations are synchronous, take a context first, and are safe for
// concurrent use unless a doc comment says otherwise.
//
// Bucket care: B2 bills older versions, hidden files and unfinished
// uploads like current files. StorageReport adds them up per subfolder
// without holding one entry per version; PreviewCleanup and RunCleanup
// remove them (older than some days, counted back from an injectable Now),
// skipping and counting versions under Object Lock; LifecycleRule is B2's
// own rule (hide, delete, cancel after days), mapped onto S3's lifecycle
// actions (Expiration, NoncurrentVersionExpiration,
// AbortIncompleteMultipartUpload) as Backblaze's "S3 Put Lifecycle
// Configuration" page describes; ObjectLock, VersionLock, SetRetention and
// SetLegalHold read and set Object Lock, refusing before sending what B2
// would refuse, and an answer that a lock refused something is ErrLocked.
package store
