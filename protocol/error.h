/*
 * error.h - the one error space of Kyojo.
 *
 * Every function that can fail returns int: 0 on success, or a negative
 * KY_E* code below.  errno is mapped to these codes once, at the boundary
 * where a system call failed; callers never see errno through our API.
 * ky_strerror() turns a code into a static English string.
 *
 * Validators that refuse input also hand back a static "why" string naming
 * the exact field and problem (e.g. "ipv4: octet 256 out of range"); the
 * code says which class of failure it was, the why says what to fix.
 */
#ifndef KY_ERROR_H
#define KY_ERROR_H

enum ky_err {
	KY_OK = 0,
	KY_EINVAL = -1,      /* invalid argument or value (see why) */
	KY_EMALFORMED = -2,  /* input bytes do not decode */
	KY_ETOOBIG = -3,     /* size over a protocol or configured limit */
	KY_EBADSIG = -4,     /* Ed25519 signature does not verify */
	KY_EBADHASH = -5,    /* body does not match the header's body hash */
	KY_ENOMEM = -6,      /* allocation failed */
	KY_EIO = -7,         /* read/write/fsync failed */
	KY_EPERM = -8,       /* file permissions unsafe, or operation not allowed */
	KY_EEXIST = -9,      /* refusing to overwrite */
	KY_ENOTFOUND = -10,  /* no such record, key or file */
	KY_EVERSION = -11,   /* unknown format or schema version */
	KY_EFULL = -12,      /* disk or map full */
	KY_ECORRUPT = -13,   /* stored data inconsistent */
	KY_EDUP = -14,       /* already have it (not an error for callers that dedupe) */
	KY_EFORK = -15,      /* equivocation: same origin and seq, different record */
	KY_ESCOPE = -16,     /* TLP/PAP/community forbids this */
	KY_ETIMEOUT = -17,   /* peer or daemon did not answer in time */
	KY_ESYS = -18,       /* other system error */
	KY_EFUTURE = -19,    /* record created too far in the future */
	KY_EGAP = -20,       /* record's predecessor is missing */
};

/* Static English description of a KY_E* code; never NULL. */
const char *ky_strerror(int code);

/* Map an errno value to a KY_E* code (ENOSPC -> KY_EFULL, ...). */
int ky_from_errno(int errnum);

#if defined(__GNUC__)
#define KY_WUR __attribute__((warn_unused_result))
#define KY_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define KY_WUR
#define KY_NONNULL(...)
#endif

#endif
