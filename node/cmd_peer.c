/*
 * kyojo peer add|list: pairing with other nodes.
 *
 * `peer add` checks a card's signature, shows its fingerprint, trusts its
 * key (keyring, level member unless --trust says trusted or coordinator)
 * and keeps the card in DIR/peers/ so kyojod dials it.  Pairing is mutual: the other operator adds our card too.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "keys/card.h"
#include "keys/keyfile.h"
#include "keys/keyring.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/ctlclient.h"

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "trust", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* Asks a running kyojod to reload; quiet when it is not running. */
static bool
s_reload(const char *dir)
{
	cJSON *req = cJSON_CreateObject(), *reply = NULL;
	const char *why;
	int rc;

	cJSON_AddStringToObject(req, "op", "reload");
	rc = ctlclient_call(dir, req, 5000, &reply, &why);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc == 0;
}

static int
s_add(const char *dir, const char *file, enum trust level)
{
	char path[2048], hex[65], fp[KEY_FINGERPRINT_LEN];
	const char *why = NULL;
	struct card_info info;
	struct keyring *kr = NULL;
	uint8_t pk[32], *buf;
	size_t len;
	int line = 0, rc;

	if ((rc = cli_read_record(file, &buf, &len, &why)) != 0)
		return cli_fail(CLI_USAGE, "peer", "%s: %s", file, why);
	if ((rc = card_parse(buf, len, &info, pk, &why)) != 0) {
		free(buf);
		return cli_fail(CLI_FAIL, "peer", "%s: %s", file, why);
	}
	record_hex(pk, 32, hex);
	if (key_fingerprint(pk, fp) != 0)
		fp[0] = '\0';
	printf("peer:        %s\nkey:         %s\nfingerprint: %s\n",
	    info.name[0] ? info.name : "(no name)", hex, fp);
	for (int i = 0; i < info.n_endpoints; i++)
		printf("endpoint:    %s\n", info.endpoints[i]);
	printf("Check the fingerprint with the peer's operator (by phone).\n");
	snprintf(path, sizeof(path), "%s/keyring", dir);
	if ((rc = keyring_load(path, &kr, &line, &why)) != 0 ||
	    (rc = keyring_add(kr, pk, level,
	    info.name[0] ? info.name : "peer", cli_now())) != 0 ||
	    (rc = keyring_save(path, kr)) != 0) {
		free(buf);
		keyring_destroy(&kr);
		return cli_fail(CLI_USAGE, "peer", "%s: %s", path,
		    why ? why : ky_strerror(rc));
	}
	keyring_destroy(&kr);
	snprintf(path, sizeof(path), "%s/peers/%s.rec", dir, hex);
	rc = keyfile_write_atomic(path, buf, len, 0644);
	free(buf);
	if (rc != 0)
		return cli_fail(CLI_USAGE, "peer", "%s: %s", path, ky_strerror(rc));
	printf("added; %s\n", s_reload(dir) ? "kyojod reloaded its peers" :
	    "kyojod will link when it starts");
	return CLI_OK;
}

static const char *
s_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
s_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Without a daemon: the peers we would dial, from their cards. */
static int
s_list_cards(const char *dir, bool json)
{
	char path[2048], hex[65];
	const char *why = NULL;
	struct card_info info;
	cJSON *arr = cJSON_CreateArray();
	struct dirent *e;
	uint8_t pk[32], *buf;
	size_t len;
	DIR *dp;

	snprintf(path, sizeof(path), "%s/peers", dir);
	if ((dp = opendir(path)) == NULL) {
		cJSON_Delete(arr);
		return cli_fail(CLI_USAGE, "peer", "%s: cannot open", path);
	}
	while ((e = readdir(dp)) != NULL) {
		cJSON *o;

		if (strstr(e->d_name, ".rec") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/peers/%s", dir, e->d_name);
		if (cli_read_record(path, &buf, &len, &why) != 0)
			continue;
		if (card_parse(buf, len, &info, pk, &why) == 0) {
			o = cJSON_CreateObject();
			record_hex(pk, 32, hex);
			cJSON_AddStringToObject(o, "name", info.name);
			cJSON_AddStringToObject(o, "key", hex);
			cJSON_AddStringToObject(o, "endpoint",
			    info.n_endpoints ? info.endpoints[0] : "");
			cJSON_AddStringToObject(o, "state", "down (kyojod not running)");
			cJSON_AddItemToArray(arr, o);
		}
		free(buf);
	}
	closedir(dp);
	if (json) {
		char *text = cJSON_Print(arr);

		printf("%s\n", text ? text : "[]");
		cJSON_free(text);
	} else {
		const cJSON *p;

		printf("%-16s %-28s %s\n", "PEER", "ENDPOINT", "STATE");
		cJSON_ArrayForEach(p, arr)
			printf("%-16.16s %-28.28s %s\n", s_str(p, "name"),
			    s_str(p, "endpoint"), s_str(p, "state"));
	}
	cJSON_Delete(arr);
	return CLI_OK;
}

static int
s_list(const char *dir, bool json)
{
	cJSON *req = cJSON_CreateObject(), *reply = NULL;
	const cJSON *peers, *p;
	const char *why = NULL;
	char *text;
	int rc;

	cJSON_AddStringToObject(req, "op", "status");
	rc = ctlclient_call(dir, req, 5000, &reply, &why);
	cJSON_Delete(req);
	if (rc == KY_ENOTFOUND)
		return s_list_cards(dir, json);
	if (rc != 0)
		return cli_fail(CLI_FAIL, "peer", "%s: %s", dir, why);
	peers = cJSON_GetObjectItemCaseSensitive(reply, "peers");
	if (json) {
		text = cJSON_Print(peers);
		printf("%s\n", text ? text : "[]");
		cJSON_free(text);
	} else {
		printf("%-16s %-9s %-9s %-28s %8s %8s %6s %6s %7s\n", "PEER",
		    "DIRECTION", "STATE", "ENDPOINT", "SENT", "RECEIVED", "LAG",
		    "DUPS", "REJECTS");
		cJSON_ArrayForEach(p, peers) {
			double lag = s_num(p, "lag");
			char lagbuf[24];

			snprintf(lagbuf, sizeof(lagbuf), lag < 0 ? "?" : "%.0f", lag);
			printf("%-16.16s %-9s %-9s %-28.28s %8.0f %8.0f %6s %6.0f %7.0f\n",
			    s_str(p, "name"), s_str(p, "direction"),
			    s_str(p, "state"), s_str(p, "endpoint"), s_num(p, "sent"),
			    s_num(p, "received"), lagbuf, s_num(p, "duplicates"),
			    s_num(p, "rejects"));
		}
	}
	cJSON_Delete(reply);
	return CLI_OK;
}

int
cmd_peer(int argc, char **argv)
{
	const char *dir = cli_default_dir();
	bool json = false;
	enum trust level = TRUST_MEMBER;
	const char *verb;
	int c, l;

	if (argc < 2)
		return cli_usage(cli_find("peer"));
	verb = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "d:", s_opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'j')
			json = true;
		else if (c == 't' && (l = keyring_trust_from_name(optarg)) > 0)
			level = (enum trust)l;
		else
			return cli_usage(cli_find("peer"));
	}
	if (strcmp(verb, "add") == 0 && argc - optind == 1)
		return s_add(dir, argv[optind], level);
	if (strcmp(verb, "list") == 0 && argc == optind)
		return s_list(dir, json);
	return cli_usage(cli_find("peer"));
}
