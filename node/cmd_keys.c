/* kyojo keygen, kyojo card: a node's identity and its public card. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/card.h"
#include "keys/ident.h"
#include "keys/keyfile.h"
#include "node/cli.h"
#include "node/commands.h"
#include "protocol/armor.h"

static const struct option s_dir_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "raw", no_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

int
cmd_keygen(int argc, char **argv)
{
	const char *dir = cli_default_dir(), *why = NULL;
	struct card_info info = { 0 };
	char path[4096], hex[65], fp[KEY_FINGERPRINT_LEN];
	struct ident *id = NULL;
	uint8_t *card;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:", s_dir_opts, NULL)) != -1) {
		if (c != 'd')
			return cli_usage(cli_find("keygen"));
		dir = optarg;
	}
	if (optind != argc)
		return cli_usage(cli_find("keygen"));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cli_fail(CLI_USAGE, "keygen", "%s: %s", dir, strerror(errno));
	if ((rc = ident_generate(&id)) != 0)
		return cli_fail(CLI_USAGE, "keygen", "%s", ky_strerror(rc));
	if ((rc = keyfile_save_ident(dir, id)) != 0) {
		ident_destroy(&id);
		if (rc == KY_EEXIST)
			return cli_fail(CLI_FAIL, "keygen", "%s/secret.key "
			    "exists: refusing to overwrite an identity", dir);
		return cli_fail(CLI_USAGE, "keygen", "%s: %s", dir,
		    ky_strerror(rc));
	}
	/* seq 1 of every chain is the node's card: it proves the key. */
	rc = card_build(id, &info, 1, NULL, cli_now(), &card, &len, &why);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/card.rec", dir);
		rc = keyfile_write_atomic(path, card, len, 0644);
		why = ky_strerror(rc);
		free(card);
	}
	record_hex(ident_public(id), RECORD_KEY_LEN, hex);
	if (key_fingerprint(ident_public(id), fp) != 0)
		fp[0] = '\0';
	ident_destroy(&id);
	if (rc != 0)
		return cli_fail(CLI_USAGE, "keygen", "card: %s", why);
	printf("identity created in %s\npublic key:  %s\nfingerprint: %s\n",
	    dir, hex, fp);
	return CLI_OK;
}

int
cmd_card(int argc, char **argv)
{
	const char *dir = cli_default_dir(), *why = NULL;
	char path[4096], hex[65], fp[KEY_FINGERPRINT_LEN], *text;
	uint8_t pk[RECORD_KEY_LEN], *buf;
	struct card_info info;
	bool raw = false;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:", s_dir_opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'r')
			raw = true;
		else
			return cli_usage(cli_find("card"));
	}
	if (optind != argc)
		return cli_usage(cli_find("card"));
	snprintf(path, sizeof(path), "%s/card.rec", dir);
	if ((rc = cli_read_record(path, &buf, &len, &why)) != 0)
		return cli_fail(CLI_USAGE, "card", "%s: %s", path, why);
	if ((rc = card_parse(buf, len, &info, pk, &why)) != 0) {
		free(buf);
		return cli_fail(CLI_FAIL, "card", "%s: %s", path, why);
	}
	if (raw) {
		rc = fwrite(buf, 1, len, stdout) == len ? CLI_OK : CLI_USAGE;
		free(buf);
		return rc;
	}
	record_hex(pk, sizeof(pk), hex);
	if (key_fingerprint(pk, fp) != 0)
		fp[0] = '\0';
	printf("# kyojo node card\n# key:         %s\n# fingerprint: %s\n",
	    hex, fp);
	if (info.name[0] != '\0')
		printf("# name:        %s\n", info.name);
	for (int i = 0; i < info.n_endpoints; i++)
		printf("# endpoint:    %s\n", info.endpoints[i]);
	rc = armor_encode(buf, len, &text);
	free(buf);
	if (rc != 0)
		return cli_fail(CLI_USAGE, "card", "%s", ky_strerror(rc));
	fputs(text, stdout);
	free(text);
	return CLI_OK;
}
