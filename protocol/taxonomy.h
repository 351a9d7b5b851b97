/*
 * taxonomy.h - the controlled vocabularies of indicator bodies.
 *
 * Categories are the types of the ENISA Reference Security Incident
 * Taxonomy (RSIT), "class:type" such as "fraud:phishing".  The table is
 * generated at build time from seeds/taxonomy.tsv (tests/gen_taxonomy.sh),
 * so the library never opens a file and the list has one source.
 *
 * Everything returned is static, read-only and lives as long as the
 * program; every function is safe to call from any thread.
 */
#ifndef KY_TAXONOMY_H
#define KY_TAXONOMY_H

/* Longest category id a body may carry (the longest today is 66 bytes). */
#define TAXONOMY_ID_MAX	96

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct taxonomy_entry {
	const char *id;		/* "class:type", lower-case ASCII */
	const char *en;		/* English label, UTF-8 */
	const char *ja;		/* Japanese label, UTF-8 */
};

/* The entry whose id is exactly id (case-sensitive), or NULL. */
const struct taxonomy_entry *taxonomy_find(const char *id) KY_NONNULL(1);

/* Number of entries; taxonomy_at(0 .. count-1) walks them in seed order. */
size_t taxonomy_count(void);

/* The i-th entry, or NULL when i >= taxonomy_count(). */
const struct taxonomy_entry *taxonomy_at(size_t i);

/* True for exactly "csirt", "psirt", "dsirt" and "fsirt". */
bool taxonomy_is_sector(const char *s) KY_NONNULL(1);

/* True for an ATT&CK technique id: "T" and 4 digits, optionally "." and 3
 * digits (T1566, T1566.001).  Only the form is checked, not that MITRE
 * has assigned the id, so new techniques need no release of ours. */
bool taxonomy_is_attack_id(const char *s) KY_NONNULL(1);

#endif
