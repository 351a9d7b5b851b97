/*
 * cmd_roster.c - `kyojo roster add|remove|list`: a coordinator's member
 * lists.
 *
 * add and remove ask the daemon to sign the next version of the roster
 * (control op "roster"); list reads the rosters this node honours from
 * its store, as the daemon would.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "keys/card.h"
#include "keys/keyfile.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/community.h"
#include "node/ctlclient.h"

#define ROSTER_TIMEOUT_MS 30000

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "community", required_argument, NULL, 'c' },
	{ "name", required_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

/* KEY as 64 hex digits, or a card file (the key it names). */
static int
s_key_arg(const char *arg, char hex[65])
{
	struct card_info info;
	uint8_t key[32], *buf;
	const char *why = NULL;
	size_t len;
	int rc;

	if (strlen(arg) == 64 && record_unhex(arg, key, 32) == 0) {
		record_hex(key, 32, hex);
		return 0;
	}
	if ((rc = cli_read_record(arg, &buf, &len, &why)) != 0)
		return cli_fail(CLI_USAGE, "roster", "%s: not a key (64 hex "
		    "digits) and not a readable card: %s", arg, why ? why :
		    ky_strerror(rc));
	rc = card_parse(buf, len, &info, key, &why);
	free(buf);
	if (rc != 0)
		return cli_fail(CLI_USAGE, "roster", "%s: %s", arg, why);
	record_hex(key, 32, hex);
	return 0;
}

static int
s_change(const char *dir, const char *community, const char *what,
    const char *key_arg, const char *org)
{
	cJSON *req, *reply = NULL, *list, *m;
	const cJSON *v;
	const char *why = NULL;
	char hex[65];
	int rc;

	if ((rc = s_key_arg(key_arg, hex)) != 0)
		return rc;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "roster");
	cJSON_AddStringToObject(req, "name", community);
	list = cJSON_AddArrayToObject(req, what);
	if (strcmp(what, "add") == 0) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "key", hex);
		if (org != NULL)
			cJSON_AddStringToObject(m, "name", org);
		cJSON_AddItemToArray(list, m);
	} else {
		cJSON_AddItemToArray(list, cJSON_CreateString(hex));
	}
	rc = ctlclient_call(dir, req, ROSTER_TIMEOUT_MS, &reply, &why);
	cJSON_Delete(req);
	if (rc != 0)
		return cli_fail(CLI_FAIL, "roster", "%s: %s", dir, why);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) &&
	    cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(reply, "ids")) &&
	    cJSON_IsString(v->child)) {
		printf("%s\n", v->child->valuestring);
		rc = CLI_OK;
	} else {
		v = cJSON_GetObjectItemCaseSensitive(reply, "error");
		rc = cli_fail(CLI_FAIL, "roster", "refused: %s",
		    cJSON_IsString(v) ? v->valuestring : "no reason given");
	}
	cJSON_Delete(reply);
	return rc;
}

static cJSON *
s_roster_json(const struct roster *ro)
{
	cJSON *o = cJSON_CreateObject(), *members;
	char hex[65];

	cJSON_AddStringToObject(o, "name", ro->name);
	record_hex(ro->community, 32, hex);
	cJSON_AddStringToObject(o, "community", hex);
	record_hex(ro->coordinator, 32, hex);
	cJSON_AddStringToObject(o, "coordinator", hex);
	cJSON_AddNumberToObject(o, "version", (double)ro->version);
	members = cJSON_AddArrayToObject(o, "members");
	for (size_t i = 0; i < ro->n; i++) {
		cJSON *m = cJSON_CreateObject();

		record_hex(ro->m[i].key, 32, hex);
		cJSON_AddStringToObject(m, "key", hex);
		if (ro->m[i].name[0] != '\0')
			cJSON_AddStringToObject(m, "name", ro->m[i].name);
		cJSON_AddItemToArray(members, m);
	}
	return o;
}

static int
s_list(const char *dir, const char *community, bool json)
{
	char path[2048];
	const char *why = NULL;
	struct keyring *kr = NULL;
	struct rosters *set = NULL;
	struct store *st = NULL;
	struct store_txn *t = NULL;
	uint8_t self[32];
	bool have_self;
	cJSON *all = json ? cJSON_CreateArray() : NULL;
	int line = 0, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, KEYFILE_PUBLIC);
	have_self = keyfile_read_public(path, self, &why) == 0;
	snprintf(path, sizeof(path), "%s/keyring", dir);
	if ((rc = keyring_load(path, &kr, &line, &why)) != 0)
		return cli_fail(CLI_USAGE, "roster", "%s:%d: %s", path, line,
		    why ? why : ky_strerror(rc));
	snprintf(path, sizeof(path), "%s/store", dir);
	if ((rc = store_open(path, STORE_RDONLY, &st, &why)) != 0) {
		keyring_destroy(&kr);
		return cli_fail(CLI_USAGE, "roster", "%s: %s", path,
		    why ? why : ky_strerror(rc));
	}
	if ((rc = store_read_begin(st, &t)) == 0)
		rc = community_load(t, kr, have_self ? self : NULL, &set);
	store_read_end(&t);
	store_close(&st);
	keyring_destroy(&kr);
	if (rc != 0) {
		cJSON_Delete(all);
		return cli_fail(CLI_FAIL, "roster", "%s", ky_strerror(rc));
	}
	for (size_t i = 0; i < rosters_count(set); i++) {
		const struct roster *ro = rosters_at(set, i);
		char hex[65];

		if (community != NULL && strcmp(community, ro->name) != 0)
			continue;
		if (json) {
			cJSON_AddItemToArray(all, s_roster_json(ro));
			continue;
		}
		record_hex(ro->coordinator, 32, hex);
		printf("%s  version %llu  %zu member%s  coordinator %.16s\n",
		    ro->name, (unsigned long long)ro->version, ro->n,
		    ro->n == 1 ? "" : "s", hex);
		for (size_t m = 0; m < ro->n; m++) {
			record_hex(ro->m[m].key, 32, hex);
			printf("  %s  %s\n", hex, ro->m[m].name);
		}
	}
	if (json) {
		char *text = cJSON_Print(all);

		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(all);
	}
	rosters_free(&set);
	return CLI_OK;
}

int
cmd_roster(int argc, char **argv)
{
	const char *dir = cli_default_dir(), *community = NULL, *org = NULL;
	const char *sub;
	bool json = false;
	int c;

	if (argc < 2)
		return cli_usage(cli_find("roster"));
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:", s_opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c': community = optarg; break;
		case 'n': org = optarg; break;
		case 'j': json = true; break;
		default: return cli_usage(cli_find("roster"));
		}
	}
	if (strcmp(sub, "list") == 0 && argc == optind)
		return s_list(dir, community, json);
	if ((strcmp(sub, "add") == 0 || strcmp(sub, "remove") == 0) &&
	    argc - optind == 1 && community != NULL)
		return s_change(dir, community, sub, argv[optind], org);
	return cli_usage(cli_find("roster"));
}
