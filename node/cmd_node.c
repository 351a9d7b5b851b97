/*
 * kyojo init, submit, sight, retract: setting up a node and writing to it.
 * Writes go to the running kyojod over the control socket and are
 * answered once the record is on disk.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "keys/card.h"
#include "keys/keyfile.h"
#include "keys/keyring.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/config.h"
#include "node/ctlclient.h"
#include "protocol/indicator.h"
#include "protocol/taxonomy.h"

#define CONTROL_TIMEOUT_MS 30000

static const struct option s_init_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "name", required_argument, NULL, 'n' },
	{ "listen", required_argument, NULL, 'l' },
	{ "region", required_argument, NULL, 'r' },
	{ "sector", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

static int
s_init_fail(const char *dir, const char *what, int rc)
{
	return cli_fail(CLI_USAGE, "init", "%s: %s: %s", dir, what,
	    ky_strerror(rc));
}

int
cmd_init(int argc, char **argv)
{
	const char *dir = cli_default_dir(), *why = NULL, *listen = "";
	char path[CONFIG_PATH_MAX + 32], fp[KEY_FINGERPRINT_LEN];
	struct card_info info = { 0 };
	struct config cfg;
	struct keyring *kr = NULL;
	struct ident *id = NULL;
	struct stat st;
	uint8_t *card;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:", s_init_opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': snprintf(info.name, sizeof(info.name), "%s", optarg); break;
		case 'l': listen = optarg; break;
		case 'r': snprintf(info.region, sizeof(info.region), "%s", optarg); break;
		case 's':
			if (!taxonomy_is_sector(optarg))
				return cli_fail(CLI_USAGE, "init", "--sector: "
				    "expected csirt, psirt, dsirt or fsirt");
			snprintf(info.sector, sizeof(info.sector), "%s", optarg);
			break;
		default: return cli_usage(cli_find("init"));
		}
	}
	if (optind != argc)
		return cli_usage(cli_find("init"));
	snprintf(path, sizeof(path), "%s/kyojod.conf", dir);
	if (stat(path, &st) == 0)
		return cli_fail(CLI_FAIL, "init", "%s already holds a node: "
		    "refusing to overwrite it", dir);
	config_defaults(&cfg, dir);
	if (listen[0] != '\0') {
		if (strncmp(listen, "tcp://", 6) != 0 || strlen(listen) >= sizeof(cfg.listen))
			return cli_fail(CLI_USAGE, "init", "--listen: expected tcp://HOST:PORT");
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", listen);
		snprintf(info.endpoints[0], sizeof(info.endpoints[0]), "%s", listen);
		info.n_endpoints = 1;
	}
	memcpy(cfg.name, info.name, sizeof(cfg.name));
	memcpy(cfg.region, info.region, sizeof(cfg.region));
	memcpy(cfg.sector, info.sector, sizeof(cfg.sector));
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return cli_fail(CLI_USAGE, "init", "%s: %s", dir, strerror(errno));
	if ((rc = ident_generate(&id)) != 0)
		return s_init_fail(dir, "identity", rc);
	if ((rc = keyfile_save_ident(dir, id)) != 0) {
		ident_destroy(&id);
		if (rc == KY_EEXIST)
			return cli_fail(CLI_FAIL, "init", "%s/secret.key exists: "
			    "refusing to overwrite an identity", dir);
		return s_init_fail(dir, "secret.key", rc);
	}
	rc = card_build(id, &info, 1, NULL, cli_now(), &card, &len, &why);
	if (rc != 0) {
		ident_destroy(&id);
		return cli_fail(CLI_USAGE, "init", "card: %s", why);
	}
	snprintf(path, sizeof(path), "%s/card.rec", dir);
	rc = keyfile_write_atomic(path, card, len, 0644);
	free(card);
	if (rc == 0 && key_fingerprint(ident_public(id), fp) != 0)
		fp[0] = '\0';
	ident_destroy(&id);
	if (rc != 0)
		return s_init_fail(dir, "card.rec", rc);
	snprintf(path, sizeof(path), "%s/peers", dir);
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		return cli_fail(CLI_USAGE, "init", "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/keyring", dir);
	if ((kr = keyring_new()) == NULL)
		return s_init_fail(dir, "keyring", KY_ENOMEM);
	if ((rc = keyring_save(path, kr)) != 0) {
		keyring_destroy(&kr);
		return s_init_fail(dir, "keyring", rc);
	}
	keyring_destroy(&kr);
	snprintf(path, sizeof(path), "%s/kyojod.conf", dir);
	if ((rc = config_write(&cfg, path)) != 0)
		return s_init_fail(dir, "kyojod.conf", rc);
	printf("node created in %s\nfingerprint: %s\n"
	    "next: send `kyojo card -d %s` to your peers, add theirs with\n"
	    "      `kyojo peer add -d %s CARDFILE`, then start `kyojod -d %s`\n",
	    dir, fp, dir, dir, dir);
	return CLI_OK;
}

/* Sends req and prints the new record's id; exit status for the CLI. */
static int
s_write(const char *cmd, const char *dir, cJSON *req)
{
	const char *why = NULL;
	const cJSON *ok, *v;
	cJSON *reply = NULL;
	int rc;

	rc = ctlclient_call(dir, req, CONTROL_TIMEOUT_MS, &reply, &why);
	cJSON_Delete(req);
	if (rc != 0)
		return cli_fail(CLI_FAIL, cmd, "%s: %s", dir, why);
	ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	if (cJSON_IsTrue(ok) && cJSON_IsObject(
	    cJSON_GetObjectItemCaseSensitive(reply, "body"))) {
		cli_print_dry_run(reply);
		rc = CLI_OK;
	} else if (cJSON_IsTrue(ok) && cJSON_IsString(v =
	    cJSON_GetObjectItemCaseSensitive(reply, "relayed_to"))) {
		/* No id of ours: the coordinator signs the report. */
		printf("sealed and sent to coordinator %.16s; it republishes "
		    "the report under its own key\n", v->valuestring);
		rc = CLI_OK;
	} else if (cJSON_IsTrue(ok) &&
	    cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(reply, "ids"))) {
		const cJSON *id;

		cJSON_ArrayForEach(id, v)
			if (cJSON_IsString(id))
				printf("%s\n", id->valuestring);
		rc = CLI_OK;
	} else {
		v = cJSON_GetObjectItemCaseSensitive(reply, "error");
		rc = cli_fail(CLI_FAIL, cmd, "refused: %s",
		    cJSON_IsString(v) ? v->valuestring : "no reason given");
	}
	cJSON_Delete(reply);
	return rc;
}

static const struct option s_submit_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "category", required_argument, NULL, 'c' },
	{ "tlp", required_argument, NULL, 't' },
	{ "pap", required_argument, NULL, 'p' },
	{ "confidence", required_argument, NULL, 'C' },
	{ "ttl", required_argument, NULL, 'T' },
	{ "note", required_argument, NULL, 'n' },
	{ "sector", required_argument, NULL, 's' },
	{ "tag", required_argument, NULL, 'g' },
	{ "attack", required_argument, NULL, 'a' },
	{ "verdict", required_argument, NULL, 'v' },
	{ "reason", required_argument, NULL, 'r' },
	{ "file", required_argument, NULL, 'f' },
	{ "anonymous", no_argument, NULL, 'A' },
	{ "dry-run", no_argument, NULL, 'D' },
	{ "coordinator", required_argument, NULL, 'K' },
	{ "to", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

/* Options shared by submit, sight and retract, into req. */
static int
s_options(const char *cmd, int argc, char **argv, const char **dir, cJSON *req,
    const char **file)
{
	cJSON *tags = NULL, *attack = NULL, *to = NULL;
	int64_t ttl;
	char *end;
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "d:", s_submit_opts, NULL)) != -1) {
		switch (c) {
		case 'd': *dir = optarg; break;
		case 'c': cJSON_AddStringToObject(req, "category", optarg); break;
		case 't': cJSON_AddStringToObject(req, "tlp", optarg); break;
		case 'p': cJSON_AddStringToObject(req, "pap", optarg); break;
		case 'n': cJSON_AddStringToObject(req, "note", optarg); break;
		case 's': cJSON_AddStringToObject(req, "sector", optarg); break;
		case 'v': cJSON_AddStringToObject(req, "verdict", optarg); break;
		case 'r': cJSON_AddStringToObject(req, "reason", optarg); break;
		case 'f':
			if (file == NULL)
				return cli_usage(cli_find(cmd));
			*file = optarg;
			break;
		case 'C':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 0 || n > 100)
				return cli_fail(CLI_USAGE, cmd, "--confidence: 0..100");
			cJSON_AddNumberToObject(req, "confidence", (double)n);
			break;
		case 'T':
			if (config_parse_duration(optarg, &ttl) != 0)
				return cli_fail(CLI_USAGE, cmd, "--ttl: expected a "
				    "duration such as 12h or 30d");
			cJSON_AddNumberToObject(req, "ttl", (double)ttl);
			break;
		case 'g':
			if (tags == NULL)
				tags = cJSON_AddArrayToObject(req, "tags");
			cJSON_AddItemToArray(tags, cJSON_CreateString(optarg));
			break;
		case 'A': cJSON_AddBoolToObject(req, "anonymous", true); break;
		case 'D': cJSON_AddBoolToObject(req, "dry_run", true); break;
		case 'K': cJSON_AddStringToObject(req, "coordinator", optarg); break;
		case 'o':
			if (to == NULL)
				to = cJSON_AddArrayToObject(req, "to");
			cJSON_AddItemToArray(to, cJSON_CreateString(optarg));
			break;
		case 'a':
			if (attack == NULL)
				attack = cJSON_AddArrayToObject(req, "attack");
			cJSON_AddItemToArray(attack, cJSON_CreateString(optarg));
			break;
		default:
			return cli_usage(cli_find(cmd));
		}
	}
	return -1;
}

/*
 * Reads "TYPE VALUE" lines (blank lines and # comments skipped) into
 * req's "items", each with the request's options.
 */
static int
s_items(const char *cmd, const char *file, cJSON *req)
{
	cJSON *items = cJSON_CreateArray(), *opts = cJSON_Duplicate(req, true);
	char *text, *line, *save = NULL;
	uint8_t *buf;
	size_t len;
	int rc, n = 0;

	cJSON_DeleteItemFromObject(opts, "op");
	if ((rc = cli_read_file(file, 64u << 20, &buf, &len)) != 0) {
		cJSON_Delete(items);
		cJSON_Delete(opts);
		return cli_fail(CLI_USAGE, cmd, "%s: %s", file, ky_strerror(rc));
	}
	for (text = (char *)buf; text != NULL; text = save) {
		char *type, *value, *lsave = NULL;
		cJSON *it;

		line = text;
		if ((save = strchr(text, '\n')) != NULL)
			*save++ = '\0';
		n++;
		if ((type = strtok_r(line, " \t\r", &lsave)) == NULL ||
		    type[0] == '#')
			continue;
		if ((value = strtok_r(NULL, " \t\r", &lsave)) == NULL) {
			free(buf);
			cJSON_Delete(items);
			cJSON_Delete(opts);
			return cli_fail(CLI_USAGE, cmd, "%s:%d: expected TYPE VALUE",
			    file, n);
		}
		it = cJSON_Duplicate(opts, true);
		cJSON_AddStringToObject(it, "type", type);
		cJSON_AddStringToObject(it, "value", value);
		cJSON_AddItemToArray(items, it);
	}
	free(buf);
	cJSON_Delete(opts);
	cJSON_AddItemToObject(req, "items", items);
	return -1;
}

static int
s_typed(const char *cmd, int argc, char **argv)
{
	const char *dir = cli_default_dir(), *file = NULL;
	cJSON *req = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(req, "op", cmd);
	if ((rc = s_options(cmd, argc, argv, &dir, req, &file)) >= 0) {
		cJSON_Delete(req);
		return rc;
	}
	if (file != NULL) {
		if (argc != optind) {
			cJSON_Delete(req);
			return cli_usage(cli_find(cmd));
		}
		if ((rc = s_items(cmd, file, req)) >= 0) {
			cJSON_Delete(req);
			return rc;
		}
		return s_write(cmd, dir, req);
	}
	if (argc - optind != 2) {
		cJSON_Delete(req);
		return cli_usage(cli_find(cmd));
	}
	if (indicator_type_from_name(argv[optind]) < 0) {
		cJSON_Delete(req);
		return cli_fail(CLI_USAGE, cmd, "unknown type '%s'", argv[optind]);
	}
	cJSON_AddStringToObject(req, "type", argv[optind]);
	cJSON_AddStringToObject(req, "value", argv[optind + 1]);
	return s_write(cmd, dir, req);
}

int
cmd_submit(int argc, char **argv)
{
	return s_typed("submit", argc, argv);
}

int
cmd_sight(int argc, char **argv)
{
	return s_typed("sight", argc, argv);
}

int
cmd_retract(int argc, char **argv)
{
	const char *dir = cli_default_dir();
	cJSON *req = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(req, "op", "retract");
	if ((rc = s_options("retract", argc, argv, &dir, req, NULL)) >= 0) {
		cJSON_Delete(req);
		return rc;
	}
	if (argc - optind != 1) {
		cJSON_Delete(req);
		return cli_usage(cli_find("retract"));
	}
	cJSON_AddStringToObject(req, "id", argv[optind]);
	return s_write("retract", dir, req);
}
