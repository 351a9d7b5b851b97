#include "scope.h"

bool
scope_tlp_is_private(uint8_t tlp)
{
	return tlp != TLP_CLEAR && tlp != TLP_GREEN;
}

enum scope_send
scope_decide(const struct record_header *h, const struct scope_peer *peer)
{
	switch (h->tlp) {
	case TLP_CLEAR:
		return SCOPE_WHOLE;
	case TLP_GREEN:
		return peer->member ? SCOPE_WHOLE : SCOPE_STUB;
	case TLP_AMBER:
	case TLP_AMBER_STRICT:
		return peer->sealed || h->kind == RK_RETRACTION ? SCOPE_WHOLE :
		    SCOPE_STUB;
	case TLP_RED:
		return peer->sealed && peer->author && peer->recipient ?
		    SCOPE_WHOLE : SCOPE_STUB;
	}
	return SCOPE_STUB;	/* unknown values */
}
