// Package transfer is Haul's transfer queue: it uploads files to B2 and
// downloads them back, in parallel, and keeps enough on disk to pick up
// where it stopped after a pause, a failure, a crash or a restart.
//
// # Scheduling
//
// One connection budget is shared by every job: each request a job makes (a
// part, a range, a single PUT, a Head, a completion) holds a slot while it
// is in flight, so the budget is the number of connections in use. Jobs
// start in queue order while the budget has room after what the running
// jobs can use: one connection while a job prepares or finishes, and its
// unfinished parts or ranges, up to [Options.PartsPerFile], while it sends
// or fetches them. So a folder of small files runs tens at once, a large
// file gets as many parts in flight as its per-file ceiling and the budget
// allow, and the next file starts competing only when the large file's
// last parts are under way. A free slot goes to the waiting request of the
// job that started first: a file that is done is progress a person keeps,
// while sixteen files each three-quarters sent are not.
//
// The budget adapts (see budget): it starts at 16, grows while throughput,
// measured over windows of a second, grows with it, halves on 429 and 503
// answers (also those the client's retries then got through), and stays
// between 2 and [Options.MaxConnections], which [Queue.SetConnections]
// changes on a running queue. [Snapshot.Connections] shows it. Bandwidth
// limits are one [rate.Limiter] per direction, shared by every job.
//
// # Uploads
//
// Files of at most [Options.Threshold] bytes go up in one PUT with
// Content-MD5. Larger files go up in parts of max(PartSize, size/10,000)
// bytes, each read straight from the file through an [io.SectionReader]:
// memory does not grow with the file. Every part carries its MD5, which B2
// checks; the whole file's SHA-1 is stored as large_file_sha1, as B2's own
// tools do, so downloads can check it end to end. Each finished part is
// written to the journal before it counts as done.
//
// # Downloads
//
// A download pins one version of the object: the answer to its first range
// says which (a download that resumes, or whose size the listing did not
// give, asks Head first). It fetches the object in ranges of PartSize
// bytes, at most 16 MiB (one range for files up to Threshold or 32 MiB,
// whichever is less), into a hidden ".<name>.haul-partial" file beside the target (for a name
// too long for that, a shortened form ending in a hash of the name; see
// partialName), written with WriteAt. About once a second, when ranges
// finished or moved on by 8 MiB (checkpointEvery), one sync of the file
// saves every range's progress to the journal, and a failed or paused
// download saves what it got on its way out: after a crash, a full disk or
// a pause, only the rest of each range is asked for. A connection that
// breaks mid-range is asked again for the rest of that range only. Once
// every range has been taken, a goroutine whose range is done takes the
// second half of a range that would still take long at its pace (a
// straggling connection, or the last ranges of a file), so the
// connections end together. Bytes count as saved only once synced, and
// only a range's gapless prefix. While the ranges arrive the file is
// checked in order (MD5 from the ETag of single-part objects, SHA-1 from
// large_file_sha1 of multipart ones, else only the size; see runningSum);
// at the end it is synced, its check awaited, given the original
// modification time, and renamed into place.
//
// # Journal
//
// With [Options.JournalDir] set, every unfinished job is kept in
// transfers.json there (folder 0700, file 0600, replaced atomically). It
// holds paths, names, sizes, upload IDs, part ETags, finished range
// numbers and the progress of unfinished ranges: never a key or a secret.
// [NewQueue] brings its jobs back paused.
//
// # Progress
//
// Workers add to atomic counters as bytes leave (read by the HTTP client) or
// arrive (written to the partial file); a sampler turns them into smoothed
// speeds four times a second. [Queue.Snapshot] copies them for a UI ticker.
// Every retry of a job's request, by the client (store.WithRetryNotice) or
// by the queue (a range asked for again, a stalled part sent again), is
// noted in [JobStatus.Retrying] until that request succeeds.
package transfer
