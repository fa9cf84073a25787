# tools/ctl: zkseqctl, the management CLI (libedit for the shell, ncurses for top).
$(call add-bin,zkseqctl,ctl_main.c ctl_client.c ctl_cmd.c ctl_print.c ctl_shell.c ctl_console.c ctl_check.c ctl_top.c,zs_net zs_metrics zs_lib,$(MBEDTLS_TLS_LIBS) $(JSON_LIBS) -ledit -lncurses)
$(call add-integ-test,zkseqctl,test_ctl.mjs)
