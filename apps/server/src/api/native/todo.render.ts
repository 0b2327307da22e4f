import type { Todo, TodoPreview } from '../../core/todos/todo.model.ts';

/**
 * A todo as the native API's `Todo` schema shows it: the order reference under its wire
 * name `orderID`, and the currency its amounts are in.
 */
export function renderTodo<T extends Todo | TodoPreview>(todo: T) {
  const { orderId, ...rest } = todo;
  return { ...rest, orderID: orderId, financialImpactCurrency: 'EUR' as const };
}
