#include <errno.h>

#include "error.h"

const char *
ky_strerror(int code)
{
	switch (code) {
	case KY_OK:		return "success";
	case KY_EINVAL:		return "invalid value";
	case KY_EMALFORMED:	return "malformed input";
	case KY_ETOOBIG:	return "size over limit";
	case KY_EBADSIG:	return "bad signature";
	case KY_EBADHASH:	return "body hash mismatch";
	case KY_ENOMEM:		return "out of memory";
	case KY_EIO:		return "input/output error";
	case KY_EPERM:		return "permission denied or unsafe permissions";
	case KY_EEXIST:		return "already exists";
	case KY_ENOTFOUND:	return "not found";
	case KY_EVERSION:	return "unknown version";
	case KY_EFULL:		return "disk or database full";
	case KY_ECORRUPT:	return "stored data is corrupt";
	case KY_EDUP:		return "duplicate";
	case KY_EFORK:		return "equivocation (conflicting record for origin and seq)";
	case KY_ESCOPE:		return "not allowed by TLP, PAP or community scope";
	case KY_ETIMEOUT:	return "timed out";
	case KY_ESYS:		return "system error";
	case KY_EFUTURE:	return "created too far in the future";
	case KY_EGAP:		return "predecessor missing";
	}
	return "unknown error";
}

int
ky_from_errno(int errnum)
{
	switch (errnum) {
	case 0:		return KY_OK;
	case ENOMEM:	return KY_ENOMEM;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:	return KY_EFULL;
	case EACCES:
	case EPERM:	return KY_EPERM;
	case EEXIST:	return KY_EEXIST;
	case ENOENT:	return KY_ENOTFOUND;
	case EIO:	return KY_EIO;
	case EINVAL:	return KY_EINVAL;
	case ETIMEDOUT:	return KY_ETIMEOUT;
	}
	return KY_ESYS;
}
