$(call add-objs,zs_lib,zs_trie.c)
$(call add-unit-test,test_trie,test_trie.c,zs_testsupport zs_lib,$(JSON_LIBS))
