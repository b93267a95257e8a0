/* placeholder so the library is not empty */
int lawqa_generator_placeholder;
