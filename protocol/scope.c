#include "scope.h"

bool
scope_tlp_is_private(uint8_t tlp)
{
	return tlp != TLP_CLEAR && tlp != TLP_GREEN;
}

enum scope_send
scope_decide(const struct record_header *h, const struct scope_peer *peer)
{
	if (h->tlp == TLP_CLEAR)
		return SCOPE_WHOLE;
	if (h->tlp == TLP_GREEN && peer->member)
		return SCOPE_WHOLE;
	/* GREEN to outsiders, AMBER, AMBER+STRICT, RED and unknown values. */
	return SCOPE_STUB;
}
