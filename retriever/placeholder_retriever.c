/* placeholder so the library is not empty */
int lawqa_retriever_placeholder;
