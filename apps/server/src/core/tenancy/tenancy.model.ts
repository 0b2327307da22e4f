/** Domains and workspaces as the core hands them out and takes them in. */

export interface Domain {
  code: string;
  name: string;
  /** Keys of its workspaces. */
  workspaces: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Workspace {
  key: string;
  /** The domain's code. */
  domain: string;
  code: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewDomain {
  code: string;
  name: string;
}

/** A code may be named, but only to be refused if it differs: codes are in every key. */
export interface DomainChange {
  name?: string;
  code?: string;
}

export interface NewWorkspace {
  /** The domain's code. */
  domain: string;
  code: string;
  name: string;
}

export interface WorkspaceChange {
  name?: string;
  code?: string;
}
