$(call add-bin,zkseq,main.c cli.c cmd_hash.c cmd_tx.c cmd_state.c cmd_batch.c cmd_chain.c cmd_card.c cmd_blob.c cmd_stream.c cli_card.c,zs_verify zs_toolcommon $(CARD_SIM_LIBS) $(NODE_LIBS) zs_kzg zs_kzgext zs_dstream zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_LIBS) $(CARD_LIBS) -lprotobuf-c)
$(call add-integ-test,zkseq-cli,test_zkseq_cli.mjs)
$(call add-integ-test,ethers-tx,test_ethers_tx.mjs)
# The KZG trusted setup in prepared form beside its text (lib/kzg's
# zs_kzg_prepare): programs load it in milliseconds instead of 2-3 s.
KZG_PREPARED := $(KZG_SETUP).prepared
$(KZG_PREPARED): $(KZG_SETUP) $(BUILD)/bin/zkseq
	$(say) PREP $@
	$(Q)$(BUILD)/bin/zkseq blob prepare-setup --setup $(KZG_SETUP) $@ >/dev/null
ALL_BINS += $(KZG_PREPARED)
