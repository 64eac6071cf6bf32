package dev.gantry.shared.scan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small demo repositories, one per kind of app Gantry detects, for the local server's simulated
 * GitHub ({@link dev.gantry.shared.github.InMemoryGitHubApp}) and for tests. Each is
 * {@code path → content}; contents are just enough for {@link RepoDetector} and a reader.
 */
public final class FixtureRepos {
    public static final String OWNER = "gantry-demo";
    public static final String FLASK_APP = OWNER + "/flask-app";
    public static final String EXPRESS_API = OWNER + "/express-api";
    public static final String GO_SERVICE = OWNER + "/go-service";
    public static final String RAILS_SHOP = OWNER + "/rails-shop";
    public static final String SPRING_PETCLINIC = OWNER + "/spring-petclinic";
    public static final String STATIC_SITE = OWNER + "/static-site";

    private static final Map<String, Map<String, String>> ALL = build();

    private FixtureRepos() {}

    /** Every fixture repository by full name, in a stable order. */
    public static Map<String, Map<String, String>> all() { return ALL; }

    private static Map<String, Map<String, String>> build() {
        Map<String, Map<String, String>> repos = new LinkedHashMap<>();
        repos.put(FLASK_APP, Map.of(
                "app.py", "from flask import Flask\n\napp = Flask(__name__)\n\n@app.get(\"/\")\ndef hello():\n    return \"hello from flask\"\n",
                "requirements.txt", "Flask==3.0.3\ngunicorn==22.0.0\n",
                "Procfile", "web: gunicorn app:app\n",
                "README.md", "# flask-app\n\nA Gantry demo.\n"));
        repos.put(EXPRESS_API, Map.of(
                "package.json", """
                        {
                          "name": "express-api",
                          "version": "1.0.0",
                          "main": "src/index.js",
                          "scripts": {"start": "node src/index.js"},
                          "dependencies": {"express": "^4.19.2"}
                        }
                        """,
                "src/index.js", "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('hello from express'));\napp.listen(process.env.PORT || 3000);\n",
                "Dockerfile", "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"npm\", \"start\"]\n"));
        repos.put(GO_SERVICE, Map.of(
                "go.mod", "module github.com/gantry-demo/go-service\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n",
                "main.go", "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {\n\tr := gin.Default()\n\tr.GET(\"/\", func(c *gin.Context) { c.String(200, \"hello from go\") })\n\tr.Run()\n}\n"));
        repos.put(RAILS_SHOP, Map.of(
                "Gemfile", "source \"https://rubygems.org\"\n\nruby \"3.3.0\"\ngem \"rails\", \"~> 7.1\"\ngem \"puma\"\n",
                "config.ru", "require_relative \"config/environment\"\nrun Rails.application\n",
                "config/routes.rb", "Rails.application.routes.draw do\n  root \"products#index\"\nend\n",
                "package.json", "{\"name\": \"rails-shop\", \"private\": true, \"dependencies\": {\"esbuild\": \"^0.20.0\"}}\n",
                "Procfile", "web: bundle exec puma -C config/puma.rb\n"));
        repos.put(SPRING_PETCLINIC, Map.of(
                "pom.xml", """
                        <project>
                          <modelVersion>4.0.0</modelVersion>
                          <parent>
                            <groupId>org.springframework.boot</groupId>
                            <artifactId>spring-boot-starter-parent</artifactId>
                            <version>3.3.0</version>
                          </parent>
                          <artifactId>spring-petclinic</artifactId>
                        </project>
                        """,
                "src/main/java/org/springframework/samples/petclinic/PetClinicApplication.java",
                "package org.springframework.samples.petclinic;\n\n@org.springframework.boot.autoconfigure.SpringBootApplication\npublic class PetClinicApplication {}\n"));
        repos.put(STATIC_SITE, Map.of(
                "index.html", "<!doctype html>\n<title>Gantry demo</title>\n<h1>hello from a static site</h1>\n",
                "css/site.css", "body { font-family: sans-serif; }\n"));
        return Collections.unmodifiableMap(repos);
    }
}
