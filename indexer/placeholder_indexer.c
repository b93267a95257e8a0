/* placeholder so the library is not empty */
int lawqa_indexer_placeholder;
