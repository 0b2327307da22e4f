// <bzctrl-todo-form>: placeholder until the widget is built (issue 6).
export {};
