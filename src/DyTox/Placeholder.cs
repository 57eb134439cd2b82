namespace DyTox;
