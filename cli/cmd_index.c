/* placeholder until this command is implemented */
#include <stdio.h>
#include "commands.h"
int cmd_index(int argc, char **argv) { (void)argc; fprintf(stderr, "lawqa %s: not implemented yet\n", argv[0]); return 2; }
