/** Users and API clients as the core hands them out and takes them in. */

export type Role = 'admin' | 'member';

export interface User {
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  /** Whether the user can sign in with a password. */
  hasPassword: boolean;
  /** Keys of the workspaces it is a member of. */
  workspaces: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Client {
  clientId: string;
  name: string;
  /** Keys of the workspaces it may use. */
  workspaces: string[];
  /** Used by wire formats whose requests name no workspace. */
  defaultWorkspace: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A client with its secret in clear, shown once: at creation and rotation. */
export interface ClientWithSecret extends Client {
  clientSecret: string;
}

export interface NewUser {
  email: string;
  name: string;
  password?: string;
  role?: Role;
  /** Workspace keys. */
  workspaces?: string[];
  disabled?: boolean;
}

export interface UserChange {
  name?: string;
  role?: Role;
  password?: string;
  disabled?: boolean;
  /** Workspace keys; replaces the memberships. */
  workspaces?: string[];
}

export interface NewClient {
  /** Made up when left out. */
  clientId?: string;
  name: string;
  workspaces: string[];
  /** One of its workspaces; the first one when left out. */
  defaultWorkspace?: string;
  disabled?: boolean;
}

export interface ClientChange {
  name?: string;
  workspaces?: string[];
  defaultWorkspace?: string | null;
  disabled?: boolean;
}
