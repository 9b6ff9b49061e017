"""A Flask app, as it runs under any WSGI server: Weft runs `app`.

    "type": "python", "path": "examples/python", "module": "flask_app", "callable": "app"
"""
import os

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route('/')
def index():
    return f'Hello from Flask in process {os.getpid()}\n'


@app.route('/hello/<name>')
def hello(name):
    return jsonify(greeting=f'Hello, {name}!', script_root=request.script_root, path=request.path)


@app.route('/upload', methods=['POST'])
def upload():
    # The body streams in: count it piece by piece, never holding it whole.
    total = 0
    while piece := request.stream.read(65536):
        total += len(piece)
    return jsonify(bytes=total)
